/// Small text helpers every target needs.
extension StringProtocol {
    /// Without the white space at either end.
    public var trimmingBlanks: SubSequence {
        var text = self[...]
        while text.first?.isWhitespace == true { text.removeFirst() }
        while text.last?.isWhitespace == true { text.removeLast() }
        return text
    }

    /// With a backslash before each backslash and each of `quoting`, and a newline written
    /// `\n` when `newlines` is set: the escaping of history lines, Prometheus labels and the
    /// language's raw strings.
    public func backslashEscaped(quoting: Set<Character> = [], newlines: Bool = false) -> String {
        var out = ""
        for character in self {
            if character == "\\" || quoting.contains(character) {
                out.append("\\")
                out.append(character)
            } else if newlines && character == "\n" {
                out += "\\n"
            } else {
                out.append(character)
            }
        }
        return out
    }

    /// Padded on the left to `width` characters: `"7".leftPadded(3)` is `"007"`.
    public func leftPadded(_ width: Int, with pad: Character = "0") -> String {
        count >= width ? String(self) : String(repeating: pad, count: width - count) + self
    }

    /// A host as it goes in a URL: an IPv6 address in brackets (`[::1]`), anything else as it is.
    public var urlHost: String { contains(":") ? "[\(self)]" : String(self) }

    /// The part before the last `/` ("" for a bare file name).
    public var parentDirectory: String {
        guard let slash = lastIndex(of: "/") else { return "" }
        return String(self[..<slash])
    }
}
