import Glibc
import Synchronization

/// The trace id of a request: what a proxy sent in `X-Request-Id` (nginx's `$request_id`, most
/// load balancers' own), or one made here; logged on the request's line and echoed in the
/// answer's `X-Request-Id`, so that one request can be followed through nginx, whs and the
/// client. Called the trace id, never the request id: the send API has a `request_id` of its
/// own (docs/OPERATIONS.md, "Logs").
public enum TraceID {
    public static let header = "X-Request-Id"
    /// Longer ids are not taken: a UUID is 36 characters, nginx's 32, AWS's about 40.
    public static let maxLength = 64

    /// The id given, when it is 1 to 64 characters of letters, digits and `-_.:=+/@`: safe in
    /// a log line, a JSON string and a header. Anything else is not echoed or logged; a new
    /// id is made instead.
    public static func accepted(_ given: Substring) -> String? {
        let bytes = given.utf8
        guard !bytes.isEmpty, bytes.count <= maxLength, bytes.allSatisfy(isSafe) else { return nil }
        return String(given)
    }

    /// The id for a request that came with `given` (nil: no header).
    public static func of(_ given: String?) -> String {
        given.flatMap { accepted(Substring($0)) } ?? make()
    }

    /// 32 hex digits of randomness, the shape of nginx's `$request_id`. Drawn from 4 KiB of the
    /// kernel's randomness at a time (256 ids) instead of two `getrandom` calls per request: that
    /// was 3% of the server's time under wrk (issue 21). The ids are for following a request
    /// through logs, not secrets.
    public static func make() -> String {
        let random = pool.withLock { pool -> (UInt64, UInt64) in
            if pool.next + 16 > pool.bytes.count {
                // If /dev/urandom cannot be read, the system's generator (a call per id) serves.
                guard fill(&pool.bytes) else {
                    var generator = SystemRandomNumberGenerator()
                    return (generator.next(), generator.next())
                }
                pool.next = 0
            }
            defer { pool.next += 16 }
            return pool.bytes.withUnsafeBytes { raw in
                (raw.loadUnaligned(fromByteOffset: pool.next, as: UInt64.self), raw.loadUnaligned(fromByteOffset: pool.next + 8, as: UInt64.self))
            }
        }
        return hex(random)
    }

    private struct Pool {
        var bytes = [UInt8](repeating: 0, count: 4096)
        var next = 4096
    }
    private static let pool = Mutex(Pool())

    /// The kernel's randomness (/dev/urandom never blocks once the system has booted).
    private static func fill(_ bytes: inout [UInt8]) -> Bool {
        let descriptor = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        let count = bytes.count
        return bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, count) } == count
    }

    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// 32 lowercase hex digits, the high word first.
    static func hex(_ random: (UInt64, UInt64)) -> String {
        String(unsafeUninitializedCapacity: 32) { buffer in
            for index in 0..<16 {
                buffer[index] = digits[Int((random.0 >> UInt64(60 - 4 * index)) & 0xF)]
                buffer[16 + index] = digits[Int((random.1 >> UInt64(60 - 4 * index)) & 0xF)]
            }
            return 32
        }
    }

    static func isSafe(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "="), UInt8(ascii: "+"),
             UInt8(ascii: "/"), UInt8(ascii: "@"): true
        default: false
        }
    }
}
