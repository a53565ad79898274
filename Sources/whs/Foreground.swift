import Dispatch
import Glibc

/// The foreground of `whs serve` and `whs listen`: an async server run from the synchronous
/// `main` until it stops, and start-up lines written to stdout.
enum Foreground {
    /// Runs `body` to its end; nil, or why it failed.
    static func run(_ body: @escaping @Sendable () async throws -> Void) -> String? {
        let done = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        Task {
            do { try await body() } catch { failure.message = "\(error)" }
            done.signal()
        }
        done.wait()
        return failure.message
    }

    /// Lines to stdout in one write, so that lines from concurrent work never interleave and a
    /// reader of a pipe sees each as soon as it is written.
    static func write(_ lines: [String]) {
        let text = lines.joined(separator: "\n") + "\n"
        _ = text.withCString { Glibc.write(1, $0, strlen($0)) }
    }

    final class FailureBox: @unchecked Sendable {
        var message: String?
    }
}
