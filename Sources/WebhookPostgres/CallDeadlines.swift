import Synchronization

/// Deadlines for database calls without a timer each: one ticker, four times a second, ends
/// the waits whose time has come. A call races its work against `wait(until:)`; a deadline a
/// quarter of a second late is still within any client's timeout, and a server making
/// thousands of calls a second does not arm thousands of timers.
final class CallDeadlines: Sendable {
    private struct Waiter {
        let deadline: ContinuousClock.Instant
        let continuation: CheckedContinuation<Void, Never>
    }
    private struct State {
        var waiters: [Int: Waiter] = [:]
        var next = 0
        var ticking = false
    }
    private let state = Mutex(State())
    static let tick: Duration = .milliseconds(250)

    /// Returns at `deadline` (give or take a tick), or at once when the task is cancelled.
    func wait(until deadline: ContinuousClock.Instant) async {
        let token = state.withLock { state -> Int in
            state.next += 1
            return state.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let start = state.withLock { state -> Bool? in
                    if Task.isCancelled { return nil }
                    state.waiters[token] = Waiter(deadline: deadline, continuation: continuation)
                    if state.ticking { return false }
                    state.ticking = true
                    return true
                }
                guard let start else {
                    continuation.resume()
                    return
                }
                if start { Task { await self.runTicker() } }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: token) }?.continuation.resume()
        }
    }

    /// Ends expired waits each tick; stops when nobody waits.
    private func runTicker() async {
        while true {
            try? await Task.sleep(for: CallDeadlines.tick)
            let now = ContinuousClock.now
            let (expired, idle) = state.withLock { state -> ([Waiter], Bool) in
                let expired = state.waiters.filter { $0.value.deadline <= now }
                for key in expired.keys { state.waiters.removeValue(forKey: key) }
                if state.waiters.isEmpty { state.ticking = false }
                return (Array(expired.values), state.waiters.isEmpty)
            }
            for waiter in expired { waiter.continuation.resume() }
            if idle { return }
        }
    }
}
