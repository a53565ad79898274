import Synchronization

/// Runs `work` on queued items with at most `limit` at once. Workers start when items arrive
/// and end when the queue is empty, so an idle pool holds no tasks. Given `executors`, the
/// workers are spread over them in turn (the dispatcher's run on the push client's event
/// loops, `EventLoopExecutor`).
final class WorkerPool<Item: Sendable>: Sendable {
    private struct State {
        var items: [Item] = []
        var head = 0
        var workers = 0
        var started = 0
    }
    private let state = Mutex(State())
    private let limit: Int
    private let executors: [any TaskExecutor]
    private let work: @Sendable (Item) async -> Void

    init(limit: Int, executors: [any TaskExecutor] = [], work: @escaping @Sendable (Item) async -> Void) {
        self.limit = max(1, limit)
        self.executors = executors
        self.work = work
    }

    func push(_ item: Item) {
        let worker = state.withLock { state -> Int? in
            state.items.append(item)
            guard state.workers < limit else { return nil }
            state.workers += 1
            state.started += 1
            return state.started
        }
        guard let worker else { return }
        let executor = executors.isEmpty ? nil : executors[worker % executors.count]
        Task(executorPreference: executor) { await self.runWorker() }
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
