import Synchronization
import WebhookCore
import WhsObservability

/// Writes attempts to the store in batches: whatever arrives while a write is under way goes
/// in the next one, so a thousand pushes ending together cost a few transactions, not a
/// thousand. A failed write is dropped from the log, not retried: the deliveries stay pending
/// there, and a restart sends them again (at least once).
final class AttemptLog: Sendable {
    private struct State {
        var waiting: [AttemptRecord] = []
        var afterWrite: [@Sendable () -> Void] = []
        var writing = false
    }
    private let state = Mutex(State())
    let store: any AsyncDeliveryStore
    /// Where a failed write is counted.
    let metrics: Metrics?
    /// Called after each batch is written: follows of the activity log look at once.
    let logged = Mutex<[@Sendable () -> Void]>([])

    init(store: any AsyncDeliveryStore, metrics: Metrics? = nil) {
        self.store = store
        self.metrics = metrics
    }

    /// True while nothing waits to be written and no write is under way.
    var isIdle: Bool { state.withLock { !$0.writing && $0.waiting.isEmpty } }

    /// Adds a record to be written soon; `written` runs once it is.
    func append(_ record: AttemptRecord, written: (@Sendable () -> Void)? = nil) {
        let startWriter = state.withLock { state -> Bool in
            state.waiting.append(record)
            if let written { state.afterWrite.append(written) }
            if state.writing { return false }
            state.writing = true
            return true
        }
        // On Swift's shared pool, not the worker's event loop: an embedded store's write
        // blocks its thread.
        if startWriter { Task(executorPreference: globalConcurrentExecutor) { await self.writeAll() } }
    }

    /// Writes batches until nothing is waiting.
    private func writeAll() async {
        while true {
            let (records, afterWrite) = state.withLock { state -> ([AttemptRecord], [@Sendable () -> Void]) in
                defer {
                    state.waiting.removeAll(keepingCapacity: true)
                    state.afterWrite.removeAll(keepingCapacity: true)
                }
                if state.waiting.isEmpty { state.writing = false }
                return (state.waiting, state.afterWrite)
            }
            if records.isEmpty { return }
            do {
                try await store.recordAttempts(records)
            } catch {
                if let kind = error.storeFailure { metrics?.storeError(kind) }
            }
            for done in afterWrite { done() }
            for action in logged.withLock({ $0 }) { action() }
        }
    }
}
