import NIOCore
import Synchronization

/// The connections to one origin (`scheme://host:port`): at most `limit` open at once, idle
/// ones kept for the next push (the most recently used first, so that the rest can time out),
/// and pushes that find all `limit` busy waiting in turn until one is free or their deadline
/// passes.
final class PushPool: Sendable {
    enum Lease {
        case reuse(PushConnection)
        /// Open a new connection: a place under the limit is held for it (give it back with
        /// `connectFailed` if the connect fails).
        case open
        case timedOut
    }

    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<Lease, Never>
    }

    private struct State {
        var idle: [PushConnection] = []
        /// Connections open or being opened.
        var open = 0
        var waiters: [Waiter] = []
        var nextWaiter = 0
    }

    let limit: Int
    private let state = Mutex(State())
    private let loop: any EventLoop

    init(limit: Int, loop: any EventLoop) {
        self.limit = max(1, limit)
        self.loop = loop
    }

    /// Connections open or being opened now (the pool tests read it).
    var openCount: Int { state.withLock { $0.open } }

    /// Nothing open or being opened, and nobody waiting: the client may forget this pool.
    var isUnused: Bool { state.withLock { $0.open == 0 && $0.waiters.isEmpty } }

    func lease(deadline: NIODeadline) async -> Lease {
        if let now = state.withLock({ take(&$0) }) { return now }
        return await withCheckedContinuation { continuation in
            let waiting: Int? = state.withLock { state in
                if let now = take(&state) {
                    continuation.resume(returning: now)
                    return nil
                }
                state.nextWaiter += 1
                state.waiters.append(Waiter(id: state.nextWaiter, continuation: continuation))
                return state.nextWaiter
            }
            if let id = waiting {
                loop.scheduleTask(deadline: deadline) { [weak self] in self?.expire(id) }
            }
        }
    }

    /// An idle connection on the caller's event loop if there is one (a worker runs on one of
    /// the client's loops: a connection there is used without a thread switch), else the most
    /// recently used.
    private func take(_ state: inout State) -> Lease? {
        if let here = state.idle.lastIndex(where: { $0.channel.eventLoop.inEventLoop }) {
            let connection = state.idle.remove(at: here)
            if connection.isActive { return .reuse(connection) }
        }
        while let connection = state.idle.popLast() {
            if connection.isActive { return .reuse(connection) }
        }
        guard state.open < limit else { return nil }
        state.open += 1
        return .open
    }

    /// An answer ended on `connection` and it may take another request.
    func release(_ connection: PushConnection) {
        let waiter: Waiter? = state.withLock { state in
            guard !state.waiters.isEmpty else {
                state.idle.append(connection)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.continuation.resume(returning: .reuse(connection))
    }

    /// `connection`'s channel closed (by either side): its place goes to a waiting push.
    func closed(_ connection: PushConnection?) {
        let waiter: Waiter? = state.withLock { state in
            state.open -= 1
            if let connection, let index = state.idle.firstIndex(where: { $0 === connection }) { state.idle.remove(at: index) }
            guard !state.waiters.isEmpty else { return nil }
            state.open += 1
            return state.waiters.removeFirst()
        }
        waiter?.continuation.resume(returning: .open)
    }

    func connectFailed() { closed(nil) }

    private func expire(_ id: Int) {
        let waiter: Waiter? = state.withLock { state in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.continuation.resume(returning: .timedOut)
    }

    /// Closes the idle connections (the sender is going away).
    func closeIdle() {
        let idle = state.withLock { state in
            defer { state.idle = [] }
            return state.idle
        }
        for connection in idle { connection.channel.close(promise: nil) }
    }
}
