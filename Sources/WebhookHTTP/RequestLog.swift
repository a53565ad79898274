import Glibc
import WhsObservability
import WhsSupport

/// One line per request on stderr. As text: time, method, path and query, status, duration.
/// As JSON (`--log-format json`): one object with time, level, node, trace id, method, path,
/// query, status, latency and the account's name. Never a credential: the Authorization
/// header is not logged, keys never travel in the query, and no body is read into a line.
struct RequestLog: Sendable {
    let enabled: Bool
    /// The node's name, on every text line when several nodes share a store ("" otherwise);
    /// on every JSON line always.
    var node = ""
    var format = LogFormat.text

    /// What one request came to.
    struct Entry {
        let method: String
        let target: String
        let status: Int
        let elapsed: Duration
        let trace: String
        /// The caller's account once authenticated; nil before (a 401, the health route).
        let account: String?
    }

    func record(_ entry: Entry) {
        guard enabled else { return }
        let micros = entry.elapsed.components.seconds * 1_000_000 + entry.elapsed.components.attoseconds / 1_000_000_000_000
        switch format {
        case .text:
            let line = "\(RequestLog.timestamp())\(node.isEmpty ? "" : " " + node) \(entry.method) \(RequestLog.printable(entry.target)) \(entry.status) \(micros / 1000).\(String(micros % 1000).leftPadded(3))ms\n"
            // One write(2) per line, so lines from several threads do not interleave.
            _ = line.withCString { Glibc.write(2, $0, strlen($0)) }
        case .json:
            let (path, query) = RequestLog.split(entry.target)
            var fields: [(key: String, value: JSON)] = [
                ("trace_id", .string(entry.trace)), ("method", .string(entry.method)), ("path", .string(path)),
            ]
            if !query.isEmpty { fields.append(("query", .string(query))) }
            fields += [("status", .int(entry.status)), ("latency_ms", .double(Double(micros) / 1000))]
            if let account = entry.account { fields.append(("account", .string(account))) }
            JSONLogLine.write(JSONLogLine.text(level: entry.status >= 500 ? "error" : "info", node: node, fields), to: 2)
        }
    }

    /// `2026-11-26T15:30:00Z`
    static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [UInt8](repeating: 0, count: 32)
        let length = buffer.withUnsafeMutableBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { strftime($0.baseAddress, $0.count, "%Y-%m-%dT%H:%M:%SZ", &parts) }
        }
        return String(decoding: buffer[..<length], as: UTF8.self)
    }

    /// A path as sent may hold anything; control characters must not reach a terminal.
    static func printable(_ text: String) -> String {
        String(text.prefix(300).unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    }

    /// The path and the query of a target, each cut and made printable.
    static func split(_ target: String) -> (path: String, query: String) {
        guard let mark = target.firstIndex(of: "?") else { return (printable(target), "") }
        return (printable(String(target[..<mark])), printable(String(target[target.index(after: mark)...])))
    }
}
