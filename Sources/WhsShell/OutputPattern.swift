/// Expected output as `check` compares it: lines, where `...` inside a line stands for any
/// text (an id, a time, a port) and a line that is only `...` stands for any number of lines.
enum OutputPattern {
    static func matches(_ expected: [String], _ actual: [String]) -> Bool {
        var memo: [Int: Bool] = [:]
        func match(_ e: Int, _ a: Int) -> Bool {
            let key = e * (actual.count + 1) + a
            if let known = memo[key] { return known }
            let result: Bool
            if e == expected.count {
                result = a == actual.count
            } else if expected[e] == "..." {
                result = match(e + 1, a) || (a < actual.count && match(e, a + 1))
            } else {
                result = a < actual.count && lineMatches(expected[e], actual[a]) && match(e + 1, a + 1)
            }
            memo[key] = result
            return result
        }
        return match(0, 0)
    }

    /// One line: the parts between `...` appear in order, the first at the start and the last
    /// at the end.
    static func lineMatches(_ pattern: String, _ line: String) -> Bool {
        guard pattern.contains("...") else { return pattern == line }
        let parts = pattern.split(separator: "...", omittingEmptySubsequences: false).map(String.init)
        var rest = Substring(line)
        guard rest.hasPrefix(parts[0]) else { return false }
        rest = rest.dropFirst(parts[0].count)
        for part in parts.dropFirst().dropLast() {
            guard let found = rest.firstRange(of: part) else { return false }
            rest = rest[found.upperBound...]
        }
        return rest.hasSuffix(parts.last!)
    }
}
