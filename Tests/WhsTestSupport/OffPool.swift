import Foundation
import Synchronization

/// Runs blocking work (a child process waited for, a pipe read to its end) on a thread of its
/// own, and awaits it without holding a thread of the shared pool.
///
/// Why: Swift Testing starts every test at once, as tasks on the threads dispatch keeps for
/// Swift concurrency and `DispatchQueue.global()` (one pool on Linux, a thread per core, grown
/// only slowly while they are blocked: eight blocking waits of 3 s held up a task for 12 s in
/// `ChildProcessesTests`). A test that waited there for a `whs` process held a thread for
/// seconds, and the tests that only await waited behind it: one `scripts/test` run saw every
/// `MailerTests` case fail its PostgreSQL store's 5 s call deadline (docs/RELIABILITY.md, "The
/// tests never block the pool").
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// A pipe read to its end on a thread of its own (not the shared pool: see `offPool`), so a
/// child's large output cannot fill the pipe and stall the child while its parent waits.
public final class PipeReader: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    public init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        Thread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }.start()
    }

    /// Everything the pipe carried, once its writers have all closed it.
    public func text() -> String {
        done.wait()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Waits for `process` to exit, on a thread of its own (`offPool`).
public func exited(_ process: Process) async {
    _ = try? await offPool { process.waitUntilExit() }
}

/// The short-lived child processes the tests run (whs, psql, curl): at most `limit` at once, the
/// others waiting for a turn without a thread. With the waits off the pool (`offPool`) nothing
/// else holds them back: all the suites' processes started together on two cores, and a test
/// that gives whs 10 s to report a refused connection took 11.8 s.
public enum ChildProcesses {
    public static let turns = Turns(limit: max(4, 2 * ProcessInfo.processInfo.activeProcessorCount))

    /// `body` (which starts a child process and waits for it) in its turn, on a thread of its own.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await turns.run(body)
    }
}

/// At most `limit` bodies at once, each on a thread of its own (`offPool`); the others wait for
/// a turn, in order, without a thread.
public final class Turns: Sendable {
    public let limit: Int
    private struct State {
        var running = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    public init(limit: Int) { self.limit = limit }

    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                guard state.running < limit else {
                    state.waiting.append(continuation)
                    return false
                }
                state.running += 1
                return true
            }
            if now { continuation.resume() }
        }
        defer {
            // The turn passes straight to the first waiter, if any.
            let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard !state.waiting.isEmpty else {
                    state.running -= 1
                    return nil
                }
                return state.waiting.removeFirst()
            }
            next?.resume()
        }
        return try await offPool(body)
    }
}
