import Glibc
import WhsSupport

/// One line per request on stderr: time, method, path and query, status, duration. Never a
/// credential: the Authorization header is not logged, and keys never travel in the query.
struct RequestLog: Sendable {
    let enabled: Bool
    /// The node's name, on every line when several nodes share a store ("" otherwise).
    var node = ""

    func record(method: String, target: String, status: Int, elapsed: Duration) {
        guard enabled else { return }
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        let line = "\(RequestLog.timestamp())\(node.isEmpty ? "" : " " + node) \(method) \(RequestLog.printable(target)) \(status) \(micros / 1000).\(String(micros % 1000).leftPadded(3))ms\n"
        // One write(2) per line, so lines from several threads do not interleave.
        _ = line.withCString { Glibc.write(2, $0, strlen($0)) }
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
}
