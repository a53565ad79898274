import Synchronization

/// Runs `work` on queued items with at most `limit` at once. Workers start when items arrive
/// and end when the queue is empty, so an idle pool holds no tasks.
final class WorkerPool<Item: Sendable>: Sendable {
    private struct State {
        var items: [Item] = []
        var head = 0
        var workers = 0
    }
    private let state = Mutex(State())
    private let limit: Int
    private let work: @Sendable (Item) async -> Void

    init(limit: Int, work: @escaping @Sendable (Item) async -> Void) {
        self.limit = max(1, limit)
        self.work = work
    }

    func push(_ item: Item) {
        let startWorker = state.withLock { state -> Bool in
            state.items.append(item)
            guard state.workers < limit else { return false }
            state.workers += 1
            return true
        }
        if startWorker { Task { await self.runWorker() } }
    }

    private func next() -> Item? {
        state.withLock { state -> Item? in
            guard state.head < state.items.count else {
                state.items.removeAll(keepingCapacity: true)
                state.head = 0
                state.workers -= 1
                return nil
            }
            defer { state.head += 1 }
            return state.items[state.head]
        }
    }

    private func runWorker() async {
        while let item = next() { await work(item) }
    }
}
