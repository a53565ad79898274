import Glibc

/// What a node is called in leases, attempt rows and log lines: `--node NAME`, else
/// `HOST-PID`, which differs between the nodes of one machine and between machines.
enum NodeName {
    static var host: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "whs" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "whs" : name
    }

    static var generated: String { "\(host)-\(getpid())" }

    /// How long a claimed delivery is a node's: an attempt takes at most 3 s, and the attempt
    /// is logged within milliseconds of its end; what is left is margin. A dead node's work
    /// is taken over this long (plus the 1 s poll) after its last claim.
    static let defaultLease = 8.0
}
