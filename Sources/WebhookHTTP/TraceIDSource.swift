import Glibc
import Synchronization
import WhsObservability

/// The trace ids `whs serve` makes for requests that came without one: 32 hex digits of
/// randomness, the shape of `TraceID.make`, but drawn from 4 KiB of the kernel's randomness
/// at a time (256 ids) instead of two `getrandom` calls per
/// request (3% of the server's time under wrk, issue 21). The ids are for following a request through logs, not secrets.
final class TraceIDSource: Sendable {
    private struct Pool {
        var bytes = [UInt8](repeating: 0, count: 4096)
        var next = 4096
    }
    private let pool = Mutex(Pool())
    static let shared = TraceIDSource()

    /// The id given (when `TraceID` accepts it), else a new one.
    func id(for given: String?) -> String {
        if let given, let accepted = TraceID.accepted(Substring(given)) { return accepted }
        return make()
    }

    func make() -> String {
        let random = pool.withLock { pool -> (UInt64, UInt64) in
            if pool.next + 16 > pool.bytes.count {
                // If /dev/urandom cannot be read, the system's generator (a call per id) serves.
                guard TraceIDSource.fill(&pool.bytes) else { return (UInt64.random(in: .min ... .max), UInt64.random(in: .min ... .max)) }
                pool.next = 0
            }
            defer { pool.next += 16 }
            return pool.bytes.withUnsafeBytes { raw in
                (raw.loadUnaligned(fromByteOffset: pool.next, as: UInt64.self), raw.loadUnaligned(fromByteOffset: pool.next + 8, as: UInt64.self))
            }
        }
        return TraceIDSource.hex(random)
    }

    /// The kernel's randomness (/dev/urandom never blocks once the system has booted).
    static func fill(_ bytes: inout [UInt8]) -> Bool {
        let descriptor = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        let count = bytes.count
        let got = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, count) }
        return got == count
    }

    static let digits: [UInt8] = Array("0123456789abcdef".utf8)

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
}
