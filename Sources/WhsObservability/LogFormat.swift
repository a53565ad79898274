import Glibc
import WhsSupport

/// How `whs serve` writes its log lines (`--log-format`): `text` for people (the default), or
/// `json`, one object per line, for a log shipper. Both never carry a key, a password or a
/// mail's content (docs/OPERATIONS.md, "Logs").
public enum LogFormat: String, Sendable, CaseIterable {
    case text, json

    /// The format named `name`, or an error that lists the known ones.
    public static func named(_ name: String) -> Result<LogFormat, LogFormatError> {
        if let known = LogFormat(rawValue: name) { return .success(known) }
        return .failure(LogFormatError(given: name))
    }
}

public struct LogFormatError: Error, CustomStringConvertible {
    public let given: String
    public var description: String {
        "--log-format must be one of \(LogFormat.allCases.map(\.rawValue).joined(separator: ", ")), got \(JSON.quote(given))"
    }
}

/// One JSON log line: `time`, `level` and `node` first, then the line's own fields. Written
/// with one write(2), so that lines from several threads never interleave.
public enum JSONLogLine {
    public static func text(level: String, node: String, _ fields: [(key: String, value: JSON)], at time: Double = Clock.now()) -> String {
        JSON.object([("time", .string(Clock.iso8601(time))), ("level", .string(level)), ("node", .string(node))] + fields).text
    }

    /// Writes `line` and a newline to `descriptor` at once.
    public static func write(_ line: String, to descriptor: Int32) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written <= 0 { return }
            offset += written
        }
    }
}
