import NIOCore

/// An event loop as the executor of tasks that prefer it. A task that does its I/O on a loop
/// runs there: no hop to Swift's shared pool and back each time it awaits the loop (the
/// profiles of issue 21 found those hops, each a thread woken, to be a third of the server's
/// and of the dispatcher's time). An await that suspends (a push's answer, a PostgreSQL query)
/// resumes on the same loop. Whatever such a task runs must not block: the loop's other
/// channels wait for it.
///
/// Used by the server (a request's task runs on its connection's loop) and by the dispatcher
/// (a worker runs on one of the push client's loops, where its connections live).
public final class EventLoopExecutor: TaskExecutor {
    public let loop: any EventLoop

    public init(_ loop: any EventLoop) { self.loop = loop }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// One executor per loop of `group`, in the group's order.
    public static func each(of group: any EventLoopGroup) -> [EventLoopExecutor] {
        group.makeIterator().map { EventLoopExecutor($0) }
    }
}
