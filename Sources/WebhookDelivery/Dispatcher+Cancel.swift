import Synchronization
import WebhookCore

/// What a reset cancelled, as the dispatcher must know it to drop the work it holds
/// (docs/OPERATIONS.md): on an embedded store, every job of the account up to a delivery id
/// (ids only grow, and the cancel took every pending delivery up to it); on a shared store,
/// every delivery of the account this node claimed before it heard of the cancel (a claim
/// made earlier could only hold rows that were pending then, and so were cancelled).
struct CancelledWork {
    var through: [String: Int] = [:]
    var heard: [String: ContinuousClock.Instant] = [:]
}

extension Dispatcher {
    /// Pending deliveries of `account` were cancelled: those up to `through` that this process
    /// holds in memory, and those it claimed until now, are dropped unpushed.
    public func deliveriesCancelled(account: String, through: Int?) {
        let now = ContinuousClock.now
        cancels.withLock { cancels in
            if let through { cancels.through[account] = max(cancels.through[account] ?? through, through) }
            cancels.heard[account] = now
        }
    }

    /// Forgets, of the deliveries this process has yet to settle, those up to `through` that the
    /// log now says are cancelled: nothing more will happen to them, so nobody should wait for
    /// them (the shell's "deliveries are not finished" at exit). Their jobs are dropped when due.
    public func forgetCancelled(through: Int) async {
        let held = unsettled.withLock { $0.filter { $0 <= through } }
        for id in held {
            if let outgoing = try? await store.outgoing(deliveryID: id), outgoing.state == .cancelled { settled(id) }
        }
    }

    /// Listens for other nodes' cancels on a shared store.
    func listenForCancels() {
        guard shared != nil, let clearing = store as? any AsyncDataClearing else { return }
        clearing.onDeliveriesCancelled { [weak self] account in self?.deliveriesCancelled(account: account, through: nil) }
    }

    /// True when `job` of `account` was cancelled after it was scheduled or claimed.
    func isCancelled(_ job: Job, account: String) -> Bool {
        cancels.withLock { cancels in
            if let claimed = job.claimedAt { return cancels.heard[account].map { $0 >= claimed } ?? false }
            return cancels.through[account].map { job.id <= $0 } ?? false
        }
    }
}
