import Synchronization
import WebhookCore
import WhsObservability
import WhsSupport

/// Fans events out to the webhooks that subscribed to them and pushes each one, retrying on
/// the schedule until it succeeds or runs out of attempts. The store's delivery log is the
/// truth: every delivery is logged as pending before its first attempt and every attempt is
/// logged as it ends (in batches: `AttemptLog`), so a process that stops leaves work that
/// `resumePending` picks up. A delivery counts as settled only once its last attempt is in the
/// log, so whoever waits for it reads the log complete.
///
/// Work is scheduled one of two ways. On an embedded store this process owns the log, and
/// keeps the due work itself: timers, and chains held in memory. On a shared store
/// (`DeliveryClaims`: PostgreSQL, several nodes) nothing is held: new work only wakes the
/// claim loop (`Dispatcher+Claims.swift`), which leases due deliveries from the log as
/// workers come free, and a retry goes back to the log with its due time for any node to take.
public final class Dispatcher: Sendable {
    public let store: any AsyncDeliveryStore
    let sender: PushSender
    /// Up to `concurrency` workers take due jobs in turn: a thousand pushes need no thousand tasks.
    var workers: WorkerPool<Job> { workerPool.withLock { $0! } }
    /// Set at the end of `init`: its work is a method of this dispatcher.
    private let workerPool = Mutex<WorkerPool<Job>?>(nil)
    let optionsBox: Mutex<PushOptions>
    /// Deliveries this process has scheduled and not yet seen settle.
    let unsettled = Mutex<Set<Int>>([])
    /// App keys by account: read once, since every push of an account signs with the same key.
    let appKeys = Mutex<[String: String]>([:])
    let log: AttemptLog
    let concurrency: Int
    /// The shared log's claims, or nil on an embedded store.
    let shared: SharedWork?
    /// What resets cancelled (`Dispatcher+Cancel.swift`): held work of it is dropped.
    let cancels = Mutex(CancelledWork())
    /// What each attempt is reported to (`whs serve`'s `/metrics`); nil when nothing counts.
    public let metrics: Metrics?
    /// Pushes under way now.
    let pushing = Atomic<Int>(0)
    /// Jobs a worker is on, from taking one until its attempt is handed to the log: a stop
    /// waits for these, not only for the pushes, so no finished push goes unlogged.
    let working = Atomic<Int>(0)
    /// Set by `stop`: no attempt starts from then on.
    let stopping = Atomic<Bool>(false)

    /// A dispatcher that schedules its own work, on a store only this process delivers from.
    public convenience init(store: any AsyncDeliveryStore, schedule: RetrySchedule = .standard, timeout: Double = 3, concurrency: Int = 32,
                            pushPolicy: PushPolicy = .anywhere, metrics: Metrics? = nil) {
        self.init(store: store, shared: nil, schedule: schedule, timeout: timeout, concurrency: concurrency, pushPolicy: pushPolicy, metrics: metrics)
    }

    /// A node of a shared log: it claims due deliveries under `node`'s name with a `lease`
    /// (seconds) longer than an attempt can take, so a lease never runs out mid-attempt.
    public convenience init(store: any AsyncDeliveryStore & DeliveryClaims, node: String, lease: Double, schedule: RetrySchedule = .standard,
                            timeout: Double = 3, concurrency: Int = 32, pushPolicy: PushPolicy = .anywhere, metrics: Metrics? = nil) {
        self.init(store: store, shared: SharedWork(claims: store, node: node, lease: max(lease, timeout + 1)), schedule: schedule,
                  timeout: timeout, concurrency: concurrency, pushPolicy: pushPolicy, metrics: metrics)
        startClaiming()
    }

    private init(store: any AsyncDeliveryStore, shared: SharedWork?, schedule: RetrySchedule, timeout: Double, concurrency: Int,
                 pushPolicy: PushPolicy, metrics: Metrics?) {
        self.store = store
        self.metrics = metrics
        self.concurrency = concurrency
        self.shared = shared
        sender = PushSender(timeout: timeout, connectionsPerHost: concurrency, policy: pushPolicy)
        var options = PushOptions()
        options.schedule = schedule
        optionsBox = Mutex(options)
        log = AttemptLog(store: store, metrics: metrics)
        let pool = WorkerPool<Job>(limit: concurrency, executors: PushClient.executors) { [weak self] job in await self?.process(job) }
        workerPool.withLock { $0 = pool }
    }

    /// The node's name on a shared log; nil on an embedded store.
    public var node: String? { shared?.node }

    /// Calls `action` each time attempts were written to the log (`GET /v1/stream` wakes its
    /// follows with it).
    public func onAttemptsLogged(_ action: @escaping @Sendable () -> Void) {
        log.logged.withLock { $0.append(action) }
    }

    /// Pushes under way on this process now (the `whs_deliveries_in_flight` gauge).
    public var inFlight: Int { pushing.load(ordering: .relaxed) }

    /// True when pushes to private addresses are refused (a public node).
    public var refusesPrivateAddresses: Bool { sender.policy.refusesPrivate }

    /// The schedule, signature form, time scale and body extras of every push from now on.
    public var options: PushOptions {
        get { optionsBox.withLock { $0 } }
        set { optionsBox.withLock { $0 = newValue } }
    }

    public var schedule: RetrySchedule {
        get { options.schedule }
        set { optionsBox.withLock { $0.schedule = newValue } }
    }

    /// The app key that signs `account`'s pushes.
    public func appKey(account: String) async throws(WebhookError) -> String {
        if let known = appKeys.withLock({ $0[account] }) { return known }
        let key = try await store.appKey(account: account)
        appKeys.withLock { $0[account] = key }
        return key
    }

    /// Logs one delivery per matching webhook (the event is in its `event`, and its `api_user`
    /// is empty or the trigger's) and starts them. Returns at once; `DeliveryWatcher` waits on the log.
    public func trigger(account: String, _ trigger: EventTrigger) async throws(WebhookError) -> TriggerResult {
        let now = Clock.now()
        let body = try EventPayload.build(trigger, at: now, extras: options.payloadExtras)
        let messageID = EventPayload.messageID(of: body) ?? ""
        _ = try await appKey(account: account)
        let subscribed = try await store.subscribers(account: account, events: EventSet([trigger.event]))
        let matching = subscribed.filter { $0.apiUser.isEmpty || $0.apiUser == trigger.apiUser }
        let payload = body.bytes
        if let shared {
            let deliveries = try await insertLeased(shared, account: account, webhooks: matching, event: trigger.event, messageID: messageID,
                                                    payload: payload, at: now)
            return TriggerResult(messageID: messageID, deliveries: deliveries,
                                 note: matching.isEmpty ? Dispatcher.whyNothingMatched(trigger, subscribed: subscribed) : nil)
        }
        let deliveries = try await store.insertDeliveries(account: account, webhooks: matching, event: trigger.event,
                                                          messageID: messageID, payload: payload, at: now)
        for delivery in deliveries {
            start(Job(id: delivery.id, outgoing: OutgoingDelivery(account: account, url: delivery.url, payload: payload,
                                                                 attemptsMade: 0, state: .pending)), due: now)
        }
        return TriggerResult(messageID: messageID, deliveries: deliveries,
                             note: matching.isEmpty ? Dispatcher.whyNothingMatched(trigger, subscribed: subscribed) : nil)
    }

    static func whyNothingMatched(_ trigger: EventTrigger, subscribed: [Webhook]) -> String {
        guard !subscribed.isEmpty else { return "no webhook subscribes to \(trigger.event.name)" }
        let users = Set(subscribed.map(\.apiUser)).sorted().map { Validation.quoted($0) }.joined(separator: ", ")
        let asked = trigger.apiUser.isEmpty ? "no api_user was given" : "api_user is \(Validation.quoted(trigger.apiUser))"
        return "\(subscribed.count) webhook\(subscribed.count == 1 ? "" : "s") for \(trigger.event.name) \(subscribed.count == 1 ? "is" : "are") bound to api_user \(users), and \(asked)"
    }

    /// Sends delivery `id`'s body again as a new delivery, now.
    public func redeliver(account: String, id: Int) async throws(WebhookError) -> Delivery {
        _ = try await appKey(account: account)
        let copy = try await store.copyDelivery(account: account, id: id, at: Clock.now())
        if let shared { shared.wake.raise() } else { start(Job(id: copy.id, outgoing: nil), due: copy.created) }
        return copy
    }

    /// Starts chains of deliveries: each one's first attempt ends before the next one of its
    /// chain is sent, so the pushes of one mail to one webhook arrive in order. A retry does
    /// not hold the chain up (delivery is at least once, and receivers order by `itime`). On a
    /// shared log the chains are in the log (`after_id`), and claims keep their order.
    public func startChains(_ chains: [[DeliveryLink]]) {
        if let shared {
            if chains.contains(where: { !$0.isEmpty }) { shared.wake.raise() }
            return
        }
        for chain in chains where !chain.isEmpty {
            unsettled.withLock { set in for link in chain { set.insert(link.id) } }
            queue(Job(id: chain[0].id, outgoing: chain[0].outgoing, then: Array(chain.dropFirst())), due: chain[0].due)
        }
    }

    /// Schedules every pending delivery in the store (after a restart), with the chains they
    /// were sent in: a delivery waits for the one before it that has not been attempted yet.
    /// Returns how many. On a shared log the claim loop finds them by itself.
    @discardableResult
    public func resumePending() async throws(WebhookError) -> Int {
        let pending = try await store.pendingDeliveries()
        if let shared {
            shared.wake.raise()
            return pending.count
        }
        let unattempted = Set(pending.filter { $0.attemptsMade == 0 }.map(\.id))
        var next: [Int: PendingDelivery] = [:]
        for delivery in pending {
            if let after = delivery.after, unattempted.contains(after) { next[after] = delivery }
        }
        let following = Set(next.values.map(\.id))
        for root in pending where !following.contains(root.id) {
            var chain = [DeliveryLink(id: root.id, due: root.due)]
            var at = root.id
            while let successor = next[at] {
                chain.append(DeliveryLink(id: successor.id, due: successor.due))
                at = successor.id
            }
            startChains([chain])
        }
        return pending.count
    }

    /// True once none of `ids` is still being worked on by this process.
    public func isSettled(_ ids: [Int]) -> Bool {
        unsettled.withLock { set in ids.allSatisfy { !set.contains($0) } }
    }

    /// How many deliveries this process has yet to settle (on a shared log: has in hand).
    public var unsettledCount: Int {
        if let shared { return shared.inHand.withLock { $0 } }
        return unsettled.withLock { $0.count }
    }

    /// A delivery being worked on: what to send, once read (a new delivery carries it from
    /// `trigger`; a resumed or copied one reads it from the log when it is due).
    struct Job {
        let id: Int
        var outgoing: OutgoingDelivery?
        /// The rest of its chain, started once this one's first attempt ends.
        var then: [DeliveryLink] = []
        /// When the claim that leased it began (shared logs only).
        var claimedAt: ContinuousClock.Instant? = nil
    }

    func start(_ job: Job, due: Double) {
        unsettled.withLock { _ = $0.insert(job.id) }
        queue(job, due: due)
    }

    /// Hands the job to the workers now, or after a timer when it is due later.
    func queue(_ job: Job, due: Double) {
        let wait = due - Clock.now()
        guard wait > 0 else {
            workers.push(job)
            return
        }
        Task {
            try? await Task.sleep(for: .milliseconds(Int64(wait * 1000)))
            self.workers.push(job)
        }
    }

    /// Ends this process's part in delivery, for a node that is stopping: no attempt starts
    /// from now on, and it returns once the attempts under way have ended and the log has
    /// them, or after an attempt's deadline and a second for the log's write. So a push that
    /// reached its receiver is logged, not sent again after a restart merely because the node
    /// stopped. What was not attempted stays pending in the log for the next start; on a shared
    /// log, the node gives back its leases of what it claimed and did not start, so that the
    /// other nodes take it now rather than once the leases run out.
    public func stop() async {
        stopping.store(true, ordering: .sequentiallyConsistent)
        shared?.wake.raise()
        let deadline = ContinuousClock.now + .milliseconds(Int64((sender.timeout + 1) * 1000))
        while working.load(ordering: .sequentiallyConsistent) > 0 || !log.isIdle
              || shared?.claiming.load(ordering: .sequentiallyConsistent) == true, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        guard let shared else { return }
        do {
            try await shared.claims.release(shared.unstarted.withLock { $0 }, node: shared.node)
        } catch {
            if let kind = error.storeFailure { metrics?.storeError(kind) }
        }
    }

    /// True once `stop` was called. Sequentially consistent: a claim's check of it pairs with
    /// `stop`'s check of `claiming` (`claimOnce`).
    public var isStopping: Bool { stopping.load(ordering: .sequentiallyConsistent) }

    /// One attempt of a job, on a worker; the job settles or goes back to wait for its retry.
    func process(_ job: Job) async {
        working.add(1, ordering: .sequentiallyConsistent)
        defer { working.subtract(1, ordering: .sequentiallyConsistent) }
        if let shared {
            await processClaimed(job, shared)
            return
        }
        var job = job
        if job.outgoing == nil, !isStopping { job.outgoing = try? await store.outgoing(deliveryID: job.id) }
        guard !isStopping, let outgoing = job.outgoing, outgoing.state == .pending, !isCancelled(job, account: outgoing.account),
              let key = try? await appKey(account: outgoing.account) else {
            releaseChain(of: &job)
            settled(job.id)
            return
        }
        let record = await attempt(job.id, outgoing, key: key, node: nil)
        releaseChain(of: &job)
        guard let next = record.nextAttempt else {
            // Settled once the log has the last attempt.
            let id = job.id
            log.append(record) { [weak self] in self?.settled(id) }
            return
        }
        log.append(record)
        job.outgoing = OutgoingDelivery(account: outgoing.account, url: outgoing.url, payload: outgoing.payload,
                                        attemptsMade: record.attempt.number, state: .pending, fault: outgoing.fault)
        queue(job, due: next)
    }

    func settled(_ id: Int) { unsettled.withLock { _ = $0.remove(id) } }

    /// Queues the next delivery of the job's chain, when it has one.
    func releaseChain(of job: inout Job) {
        guard let next = job.then.first else { return }
        queue(Job(id: next.id, outgoing: next.outgoing, then: Array(job.then.dropFirst())), due: next.due)
        job.then = []
    }

    /// One attempt, and what it leaves the delivery as. A `badsig` push is signed with a key
    /// that is not the account's, as an attacker would, and is tried once: a receiver that
    /// refuses it did right, and resending would only repeat the attack.
    func attempt(_ id: Int, _ outgoing: OutgoingDelivery, key: String, node: String?) async -> AttemptRecord {
        let started = Clock.now()
        let options = self.options
        let forged = outgoing.fault == .badsig
        pushing.add(1, ordering: .relaxed)
        var outcome = await sender.send(url: outgoing.url, body: outgoing.payload, appKey: key, signature: options.signature, forged: forged)
        pushing.subtract(1, ordering: .relaxed)
        if forged, let error = outcome.error, let status = outcome.status, (400..<500).contains(status) {
            outcome = PushSender.Outcome(status: status, latencyMilliseconds: outcome.latencyMilliseconds, error: "\(error) (a badsig push, signed wrong on purpose: refusing it is right)")
        }
        let number = outgoing.attemptsMade + 1
        let attempt = DeliveryAttempt(number: number, time: started, status: outcome.status,
                                      latencyMilliseconds: outcome.latencyMilliseconds, error: outcome.error, node: node)
        let retryIn = outcome.error == nil || outcome.refused || forged ? nil : options.schedule.delay(afterAttempts: number).map(options.scaled)
        let next = retryIn.map { Clock.now() + $0 }
        let state: DeliveryState = outcome.error == nil ? .succeeded : (next == nil ? .failed : .pending)
        if let metrics {
            if outcome.refused { metrics.pushRefused() }
            metrics.attempt(state == .succeeded ? .succeeded : (state == .pending ? .retrying : .failed), seconds: outcome.latencyMilliseconds / 1000)
        }
        return AttemptRecord(deliveryID: id, attempt: attempt, state: state, nextAttempt: next)
    }
}
