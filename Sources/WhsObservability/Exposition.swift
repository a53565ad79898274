import WhsSupport

/// Prometheus's text exposition format (version 0.0.4), written by hand: a `# HELP` and a
/// `# TYPE` line per family, then one line per series. A few dozen lines of text do not earn
/// a dependency (swift-prometheus) and the build time it costs.
public struct Exposition {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private(set) var text = ""
    /// Labels every series carries (`node`), written first.
    let common: [(String, String)]

    init(common: [(String, String)]) {
        self.common = common
        text.reserveCapacity(4096)
    }

    mutating func family(_ name: String, _ type: String, _ help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        text += name
        text += "{"
        var first = true
        for (key, raw) in common + labels {
            if !first { text += "," }
            first = false
            text += key
            text += "=\""
            text += Exposition.escaped(raw)
            text += "\""
        }
        text += "} "
        text += Exposition.number(value)
        text += "\n"
    }

    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Int) {
        sample(name, labels, Double(value))
    }

    /// A histogram's cumulative buckets, its sum and its count.
    mutating func histogram(_ name: String, _ labels: [(String, String)], _ histogram: Histogram) {
        var running = 0
        for (index, bound) in histogram.bounds.enumerated() {
            running += histogram.counts[index]
            sample(name + "_bucket", labels + [("le", Exposition.number(bound))], running)
        }
        sample(name + "_bucket", labels + [("le", "+Inf")], histogram.count)
        sample(name + "_sum", labels, histogram.sum)
        sample(name + "_count", labels, histogram.count)
    }

    /// A label value as the format quotes it: backslash, double quote and newline escaped.
    static func escaped(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") }) else {
            return value
        }
        return value.backslashEscaped(quoting: ["\""], newlines: true)
    }

    /// `12` for whole numbers, else the shortest form that reads back the same (`0.0005`).
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return "\(value)"
    }
}
