import Synchronization
import WebhookCore
import WhsSupport

/// Fans events out to the webhooks that subscribed to them and pushes each one, retrying on
/// the schedule until it succeeds or runs out of attempts. The store's delivery log is the
/// truth: every delivery is logged as pending before its first attempt and every attempt is
/// logged as it ends (in batches: `AttemptLog`), so a process that stops leaves work that
/// `resumePending` picks up. A delivery counts as settled only once its last attempt is in the
/// log, so whoever waits for it reads the log complete.
public final class Dispatcher: Sendable {
    public let store: any DeliveryStore
    let sender: PushSender
    /// Up to `concurrency` workers take due jobs in turn: a thousand pushes need no thousand tasks.
    var workers: WorkerPool<Job> { workerPool.withLock { $0! } }
    /// Set at the end of `init`: its work is a method of this dispatcher.
    private let workerPool = Mutex<WorkerPool<Job>?>(nil)
    let scheduleBox: Mutex<RetrySchedule>
    /// Deliveries this process has scheduled and not yet seen settle.
    let unsettled = Mutex<Set<Int>>([])
    /// App keys by account: read once, since every push of an account signs with the same key.
    let appKeys = Mutex<[String: String]>([:])
    let log: AttemptLog

    public init(store: any DeliveryStore, schedule: RetrySchedule = .standard, timeout: Double = 3, concurrency: Int = 32) {
        self.store = store
        sender = PushSender(timeout: timeout, connectionsPerHost: concurrency)
        scheduleBox = Mutex(schedule)
        log = AttemptLog(store: store)
        let pool = WorkerPool<Job>(limit: concurrency) { [weak self] job in await self?.process(job) }
        workerPool.withLock { $0 = pool }
    }

    public var schedule: RetrySchedule {
        get { scheduleBox.withLock { $0 } }
        set { scheduleBox.withLock { $0 = newValue } }
    }

    /// The app key that signs `account`'s pushes.
    public func appKey(account: String) throws(WebhookError) -> String {
        if let known = appKeys.withLock({ $0[account] }) { return known }
        let key = try store.appKey(account: account)
        appKeys.withLock { $0[account] = key }
        return key
    }

    /// Logs one delivery per matching webhook (the event is in its `event`, and its `api_user`
    /// is empty or the trigger's) and starts them. Returns at once; `DeliveryWatcher` waits on the log.
    public func trigger(account: String, _ trigger: EventTrigger) throws(WebhookError) -> TriggerResult {
        let now = Clock.now()
        let body = try EventPayload.build(trigger, at: now)
        let messageID = EventPayload.messageID(of: body) ?? ""
        _ = try appKey(account: account)
        let subscribed = try store.subscribers(account: account, event: trigger.event)
        let matching = subscribed.filter { $0.apiUser.isEmpty || $0.apiUser == trigger.apiUser }
        let payload = body.bytes
        let deliveries = try store.insertDeliveries(account: account, webhooks: matching, event: trigger.event,
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
    public func redeliver(account: String, id: Int) throws(WebhookError) -> Delivery {
        _ = try appKey(account: account)
        let copy = try store.copyDelivery(account: account, id: id, at: Clock.now())
        start(Job(id: copy.id, outgoing: nil), due: copy.created)
        return copy
    }

    /// Starts chains of deliveries: each one's first attempt ends before the next one of its
    /// chain is sent, so the pushes of one mail to one webhook arrive in order. A retry does
    /// not hold the chain up (delivery is at least once, and receivers order by `itime`).
    public func startChains(_ chains: [[DeliveryLink]]) {
        for chain in chains where !chain.isEmpty {
            unsettled.withLock { set in for link in chain { set.insert(link.id) } }
            queue(Job(id: chain[0].id, outgoing: chain[0].outgoing, then: Array(chain.dropFirst())), due: chain[0].due)
        }
    }

    /// Schedules every pending delivery in the store (after a restart), with the chains they
    /// were sent in: a delivery waits for the one before it that has not been attempted yet.
    /// Returns how many.
    @discardableResult
    public func resumePending() throws(WebhookError) -> Int {
        let pending = try store.pendingDeliveries()
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

    /// How many deliveries this process has yet to settle.
    public var unsettledCount: Int { unsettled.withLock { $0.count } }

    /// A delivery being worked on: what to send, once read (a new delivery carries it from
    /// `trigger`; a resumed or copied one reads it from the log when it is due).
    struct Job {
        let id: Int
        var outgoing: OutgoingDelivery?
        /// The rest of its chain, started once this one's first attempt ends.
        var then: [DeliveryLink] = []
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

    /// One attempt of a job, on a worker; the job settles or goes back to wait for its retry.
    func process(_ job: Job) async {
        var job = job
        if job.outgoing == nil { job.outgoing = try? store.outgoing(deliveryID: job.id) }
        guard let outgoing = job.outgoing, outgoing.state == .pending, let key = try? appKey(account: outgoing.account) else {
            releaseChain(of: &job)
            settled(job.id)
            return
        }
        let record = await attempt(job.id, outgoing, key: key)
        releaseChain(of: &job)
        guard let next = record.nextAttempt else {
            // Settled once the log has the last attempt.
            let id = job.id
            log.append(record) { [weak self] in self?.settled(id) }
            return
        }
        log.append(record)
        job.outgoing = OutgoingDelivery(account: outgoing.account, url: outgoing.url, payload: outgoing.payload,
                                        attemptsMade: record.attempt.number, state: .pending)
        queue(job, due: next)
    }

    func settled(_ id: Int) { unsettled.withLock { _ = $0.remove(id) } }

    /// Queues the next delivery of the job's chain, when it has one.
    func releaseChain(of job: inout Job) {
        guard let next = job.then.first else { return }
        queue(Job(id: next.id, outgoing: next.outgoing, then: Array(job.then.dropFirst())), due: next.due)
        job.then = []
    }

    /// One attempt, and what it leaves the delivery as.
    func attempt(_ id: Int, _ outgoing: OutgoingDelivery, key: String) async -> AttemptRecord {
        let started = Clock.now()
        let outcome = await sender.send(url: outgoing.url, body: outgoing.payload, appKey: key)
        let number = outgoing.attemptsMade + 1
        let attempt = DeliveryAttempt(number: number, time: started, status: outcome.status,
                                      latencyMilliseconds: outcome.latencyMilliseconds, error: outcome.error)
        let retryIn = outcome.error == nil ? nil : schedule.delay(afterAttempts: number)
        let next = retryIn.map { Clock.now() + $0 }
        let state: DeliveryState = outcome.error == nil ? .succeeded : (next == nil ? .failed : .pending)
        return AttemptRecord(deliveryID: id, attempt: attempt, state: state, nextAttempt: next)
    }
}

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
    let store: any DeliveryStore

    init(store: any DeliveryStore) { self.store = store }

    /// Adds a record to be written soon; `written` runs once it is.
    func append(_ record: AttemptRecord, written: (@Sendable () -> Void)? = nil) {
        let startWriter = state.withLock { state -> Bool in
            state.waiting.append(record)
            if let written { state.afterWrite.append(written) }
            if state.writing { return false }
            state.writing = true
            return true
        }
        if startWriter { Task { self.writeAll() } }
    }

    /// Writes batches until nothing is waiting.
    private func writeAll() {
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
            try? store.recordAttempts(records)
            for done in afterWrite { done() }
        }
    }
}

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

