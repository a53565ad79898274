import Synchronization
import WebhookDelivery

/// The follows open on `GET /v1/stream`: how many (the `whs_stream_follows` gauge), and a way
/// to wake them all when this node wrote something (a send answered, attempts logged), so that
/// they read at once rather than at their next poll. A follow is here from its start to its
/// end, whichever way it ends: nothing is left behind a client that went away.
final class FollowRegistry: Sendable {
    private struct State {
        var next = 0
        var open: [Int: WakeSignal] = [:]
    }
    private let state = Mutex(State())
    private let stopping = Atomic<Bool>(false)

    var count: Int { state.withLock { $0.open.count } }

    /// True once the server is stopping: every follow ends at its next look.
    var isStopping: Bool { stopping.load(ordering: .relaxed) }

    /// Ends every follow, open or opened from now on (the server stops).
    func stopAll() {
        stopping.store(true, ordering: .relaxed)
        wakeAll()
    }

    /// A new follow, registered until `close`.
    func open() -> Follow {
        let wake = WakeSignal()
        let number = state.withLock { state -> Int in
            state.next += 1
            state.open[state.next] = wake
            return state.next
        }
        return Follow(number: number, wake: wake)
    }

    func close(_ number: Int) {
        let wake = state.withLock { $0.open.removeValue(forKey: number) }
        wake?.raise()
    }

    /// Makes every follow read now.
    func wakeAll() {
        let all = state.withLock { state -> [WakeSignal] in state.open.isEmpty ? [] : Array(state.open.values) }
        for wake in all { wake.raise() }
    }
}

/// One follow: what wakes it, and whether its client went away.
final class Follow: Sendable {
    let number: Int
    let wake: WakeSignal
    private let ended = Atomic<Bool>(false)

    init(number: Int, wake: WakeSignal) {
        self.number = number
        self.wake = wake
    }

    var isEnded: Bool { ended.load(ordering: .relaxed) }

    /// Ends the follow at its next look (the client closed the connection, the server stops).
    func end() {
        ended.store(true, ordering: .relaxed)
        wake.raise()
    }
}
