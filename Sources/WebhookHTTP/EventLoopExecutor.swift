import NIOCore

/// A connection's event loop as the executor of its requests' tasks. A request's task runs
/// where its bytes were read and where its answer is written: no hop to Swift's shared pool
/// and back per request (the profile of issue 21 found the hops, and the async channel's
/// machinery around them, to be most of Hummingbird's time). An await that suspends (a
/// PostgreSQL query) resumes on the same loop.
final class EventLoopExecutor: TaskExecutor {
    let loop: any EventLoop
    /// The loop's `Date` header.
    let date = HTTPDate()

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
