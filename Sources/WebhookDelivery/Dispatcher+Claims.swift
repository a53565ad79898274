import Synchronization
import WebhookCore
import WhsSupport

/// A node's part of a shared delivery log (docs/SCALING.md): one loop claims due deliveries
/// for the free workers, and ahead of them while attempts are quick (`ceiling`), so that a
/// fan-out costs a few claims rather than one per handful of deliveries; what waited in the
/// queue too long for its lease is not attempted (`canStart`). It sleeps until a delivery is queued anywhere (NOTIFY, or this node's
/// own trigger), a worker comes free, the next retry falls due, or a slow poll: the poll is
/// what finds the expired leases of a node that died.
final class SharedWork: Sendable {
    let claims: any DeliveryClaims
    let node: String
    let lease: Double
    let wake = WakeSignal()
    /// Deliveries claimed and not yet logged.
    let inHand = Mutex(0)
    /// True while a claim is under way (a stop waits for what it brings).
    let claiming = Atomic<Bool>(false)
    /// Deliveries claimed but not attempted because the node is stopping: their leases are
    /// given back (`Dispatcher.stop`).
    let unstarted = Mutex<[Int]>([])
    /// The longest the loop sleeps without being woken.
    static let poll = 1.0
    /// After the store failed (the database is away), the loop tries again this often.
    static let backoff = 0.5
    /// A claim may lease up to this many times the workers: a claim is a round trip whose cost
    /// is mostly fixed, so 128 deliveries in one cost little more than 13.
    static let claimAhead = 4
    /// The mean time of an attempt lately (seconds, a moving average): how long what is
    /// claimed ahead waits for a worker.
    let attemptTime = Mutex(0.05)

    /// How many deliveries this node may hold leased: its workers, and more while attempts are
    /// quick enough that the queued ones start well inside their lease (within a quarter of
    /// what the lease leaves after an attempt's deadline). Slow receivers bring it back to the
    /// workers alone.
    func ceiling(concurrency: Int, timeout: Double) -> Int {
        let slack = max(0, lease - timeout - 1) / 4
        let perWorker = attemptTime.withLock { $0 }
        let ahead = perWorker > 0 ? Int(slack / perWorker) : concurrency * SharedWork.claimAhead
        return concurrency + min(concurrency * (SharedWork.claimAhead - 1), ahead * concurrency)
    }

    /// Takes the room left under `ceiling` for deliveries leased outside the claim loop (a
    /// trigger's own, leased as they are written); what is not used is given back.
    func reserve(ceiling: Int) -> Int {
        inHand.withLock { held in
            let room = max(0, ceiling - held)
            held += room
            return room
        }
    }

    func giveBack(_ room: Int) {
        guard room > 0 else { return }
        inHand.withLock { $0 -= room }
    }

    func noteAttempt(seconds: Double) {
        attemptTime.withLock { $0 = $0 * 0.9 + seconds * 0.1 }
    }

    /// True while a delivery claimed at `claimedAt` can still be attempted and logged before
    /// its lease ends: one that waited longer in the queue is left for its lease to run out.
    func canStart(claimedAt: ContinuousClock.Instant?, timeout: Double) -> Bool {
        guard let claimedAt else { return true }
        let waited = claimedAt.duration(to: .now)
        return waited < .milliseconds(Int64(max(0, lease - timeout - 1) * 1000))
    }

    init(claims: any DeliveryClaims, node: String, lease: Double) {
        self.claims = claims
        self.node = node
        self.lease = lease
    }
}

extension Dispatcher {
    func startClaiming() {
        guard let shared else { return }
        shared.claims.onDeliveriesQueued { shared.wake.raise() }
        listenForCancels()
        Task { [weak self] in
            while let self, !self.isStopping {
                let sleep = await self.claimOnce(shared)
                await shared.wake.wait(seconds: sleep)
            }
        }
    }

    /// A trigger's deliveries on a shared log: the first of them, as many as this node has room
    /// for, leased to it as they are written and handed to its workers now, rather than claimed
    /// back by a round trip once the trigger has answered; the rest wake every node's claims.
    func insertLeased(_ shared: SharedWork, account: String, webhooks: [Webhook], event: EventType, messageID: String, payload: [UInt8],
                      at now: Double) async throws(WebhookError) -> [Delivery] {
        let room = shared.reserve(ceiling: shared.ceiling(concurrency: concurrency, timeout: sender.timeout))
        let leasedAt = ContinuousClock.now
        let made: LeasedInsert?
        do {
            made = try await shared.claims.insertDeliveries(account: account, webhooks: webhooks, event: event, messageID: messageID,
                                                            payload: payload, at: now, leasing: room, to: shared.node, lease: shared.lease)
        } catch {
            shared.giveBack(room)
            throw error
        }
        shared.giveBack(room - (made?.leased ?? 0))
        let deliveries: [Delivery]
        if let made {
            deliveries = made.deliveries
            for delivery in deliveries.prefix(made.leased) {
                workers.push(Job(id: delivery.id, outgoing: OutgoingDelivery(account: account, url: delivery.url, payload: payload, attemptsMade: 0,
                                                                             state: .pending), claimedAt: leasedAt))
            }
        } else {
            deliveries = try await store.insertDeliveries(account: account, webhooks: webhooks, event: event, messageID: messageID,
                                                          payload: payload, at: now)
        }
        if !deliveries.isEmpty { shared.wake.raise() }
        return deliveries
    }

    /// Claims what the free workers can start now; returns how long to sleep before the next look.
    func claimOnce(_ shared: SharedWork) async -> Double {
        let inHand = shared.inHand.withLock { $0 }
        let ceiling = shared.ceiling(concurrency: concurrency, timeout: sender.timeout)
        let free = ceiling - inHand
        // A claim is a round trip: while work is in hand, wait until a quarter of the room is
        // free rather than claiming one delivery per finished attempt.
        guard free > 0, inHand == 0 || free >= max(1, ceiling / 4) else { return SharedWork.poll }
        let claimed: [ClaimedDelivery]
        let claimedAt = ContinuousClock.now
        // Set before `stopping` is read, as `stop` sets `stopping` before reading this: either
        // the stop waits for this claim, or this claim sees the stop and takes nothing.
        shared.claiming.store(true, ordering: .sequentiallyConsistent)
        defer { shared.claiming.store(false, ordering: .sequentiallyConsistent) }
        if isStopping { return SharedWork.poll }
        do {
            claimed = try await shared.claims.claim(node: shared.node, limit: free, lease: shared.lease)
        } catch {
            if let kind = error.storeFailure { metrics?.storeError(kind) }
            return SharedWork.backoff
        }
        if !claimed.isEmpty {
            shared.inHand.withLock { $0 += claimed.count }
            for delivery in claimed { workers.push(Job(id: delivery.id, outgoing: delivery.outgoing, claimedAt: claimedAt)) }
            // A full batch may have left more behind: look again as soon as workers free up.
            if claimed.count == free { return SharedWork.poll }
            return 0
        }
        guard let due = try? await shared.claims.nextDue() else { return SharedWork.poll }
        return min(SharedWork.poll, max(0.005, due - Clock.now()))
    }

    /// One attempt of a claimed delivery. Its retry, if any, goes back to the log with its due
    /// time and no lease. The worker is free for a new claim as soon as the attempt ends (the
    /// delivery stays leased until its attempt is logged, so nobody else takes it meanwhile);
    /// the loop looks again once the attempt is logged, for what that made due (the next of a
    /// chain).
    func processClaimed(_ job: Job, _ shared: SharedWork) async {
        func free() {
            shared.inHand.withLock { $0 -= 1 }
            shared.wake.raise()
        }
        // On a node that is stopping, nothing starts: the lease is given back at the end.
        if isStopping {
            shared.unstarted.withLock { $0.append(job.id) }
            free()
            return
        }
        // A delivery a reset cancelled after this node claimed it is dropped: its row says
        // cancelled, and nothing more happens to it.
        // One claimed ahead that waited too long for a worker is not attempted: its lease could
        // end mid-attempt. It stays pending, and is claimed again once the lease runs out.
        guard let outgoing = job.outgoing, shared.canStart(claimedAt: job.claimedAt, timeout: sender.timeout),
              !isCancelled(job, account: outgoing.account), let key = try? await appKey(account: outgoing.account) else {
            free()
            return
        }
        let record = await attempt(job.id, outgoing, key: key, node: shared.node)
        shared.noteAttempt(seconds: record.attempt.latencyMilliseconds / 1000)
        free()
        log.append(record) { shared.wake.raise() }
    }
}

/// Wakes one sleeping task, or makes its next sleep return at once; a sleep ends by itself
/// after its time. (The claim loop's, and each follow of `GET /v1/stream`.)
public final class WakeSignal: Sendable {
    private struct State {
        var raised = false
        var sleeper: CheckedContinuation<Void, Never>?
        var generation = 0
    }
    private let state = Mutex(State())

    public init() {}

    public func raise() {
        let sleeper = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let sleeper = state.sleeper else {
                state.raised = true
                return nil
            }
            state.sleeper = nil
            return sleeper
        }
        sleeper?.resume()
    }

    /// Returns when raised, or after `seconds`.
    public func wait(seconds: Double) async {
        if seconds <= 0 { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let generation = state.withLock { state -> Int? in
                if state.raised {
                    state.raised = false
                    return nil
                }
                state.sleeper = continuation
                state.generation += 1
                return state.generation
            }
            guard let generation else {
                continuation.resume()
                return
            }
            Task {
                try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                let expired = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                    guard state.generation == generation, let sleeper = state.sleeper else { return nil }
                    state.sleeper = nil
                    return sleeper
                }
                expired?.resume()
            }
        }
    }
}
