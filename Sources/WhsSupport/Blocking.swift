import Dispatch
import Glibc
import Synchronization

/// Runs async work to its end from synchronous code (the shell, which runs one statement at a
/// time), on the calling thread: the work's jobs are queued to an executor that this thread
/// drains while it waits. So a wait never needs a thread of the cooperative pool, which may
/// be the caller's own (a test runner) or busy, and an await on a store that answers at once
/// (SQLite) costs a Task, not a thread hop.
public enum Blocking {
    public static func run<T: Sendable, Failure: Error>(_ body: @escaping @Sendable () async throws(Failure) -> T) throws(Failure) -> T {
        let executor = CallerThreadExecutor()
        let outcome = Mutex<Result<T, Failure>?>(nil)
        Task(executorPreference: executor) {
            let result: Result<T, Failure>
            do throws(Failure) { result = .success(try await body()) } catch { result = .failure(error) }
            outcome.withLock { $0 = result }
            executor.wake()
        }
        executor.drain { outcome.withLock { $0 != nil } }
        return try outcome.withLock { $0! }.get()
    }
}

/// Jobs waiting for a thread, and the wait for the next one.
final class JobQueue: @unchecked Sendable {
    private let jobs = Mutex<[UnownedJob]>([])
    private let ready = DispatchSemaphore(value: 0)

    func add(_ job: UnownedJob) {
        jobs.withLock { $0.append(job) }
        ready.signal()
    }

    func wake() { ready.signal() }

    /// Runs queued jobs on this thread, as `executor`, until `finished` says so.
    func drain(as executor: UnownedTaskExecutor, until finished: () -> Bool) {
        while !finished() {
            ready.wait()
            let batch = jobs.withLock { queued -> [UnownedJob] in
                defer { queued.removeAll(keepingCapacity: true) }
                return queued
            }
            for job in batch { job.runSynchronously(on: executor) }
        }
    }
}

/// A task executor whose jobs run on whichever thread calls `drain`.
final class CallerThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let queue = JobQueue()

    func enqueue(_ job: consuming ExecutorJob) { queue.add(UnownedJob(job)) }

    func wake() { queue.wake() }

    func drain(until finished: () -> Bool) { queue.drain(as: asUnownedTaskExecutor(), until: finished) }
}

/// A task executor with a thread of its own, for long-lived background work (a database
/// driver's connection pool) that must go on while every thread of the cooperative pool is
/// blocked, as in a test runner whose tests wait with `Blocking`.
public final class DedicatedThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let queue = JobQueue()

    public init() {
        let box = Unmanaged.passRetained(self)
        var thread = pthread_t()
        pthread_create(&thread, nil, { context in
            let executor = Unmanaged<DedicatedThreadExecutor>.fromOpaque(context!).takeRetainedValue()
            executor.queue.drain(as: executor.asUnownedTaskExecutor()) { false }
            return nil
        }, box.toOpaque())
        pthread_detach(thread)
    }

    public func enqueue(_ job: consuming ExecutorJob) { queue.add(UnownedJob(job)) }
}
