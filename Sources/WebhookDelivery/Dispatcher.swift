import Glibc
import Synchronization
import WebhookCore
import WhsSupport

/// Fans events out to the webhooks that subscribed to them and pushes each one, retrying on
/// the schedule until it succeeds or runs out of attempts. The store's delivery log is the
/// truth: every delivery is logged as pending before its first attempt and every attempt is
/// logged as it ends, so a process that stops leaves work that `resumePending` picks up.
public final class Dispatcher: Sendable {
    public let store: any DeliveryStore
    let sender: PushSender
    let limit: ConcurrencyLimit
    let scheduleBox: Mutex<RetrySchedule>
    /// Deliveries this process has scheduled and not yet seen settle.
    let unsettled = Mutex<Set<Int>>([])
    /// App keys by account: read once, since every push of an account signs with the same key.
    let appKeys = Mutex<[String: String]>([:])

    public init(store: any DeliveryStore, schedule: RetrySchedule = .standard, timeout: Double = 3, concurrency: Int = 32) {
        self.store = store
        sender = PushSender(timeout: timeout, connectionsPerHost: concurrency)
        limit = ConcurrencyLimit(concurrency)
        scheduleBox = Mutex(schedule)
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
    /// is empty or the trigger's) and starts them. Returns at once; see `waitUntilSettled`.
    public func trigger(account: String, _ trigger: EventTrigger) throws(WebhookError) -> TriggerResult {
        let now = Clock.now()
        let itime = Int(now * 1000)
        let body = try EventPayload.build(trigger, messageID: EventPayload.newMessageID(itime: itime), itime: itime)
        let messageID = EventPayload.messageID(of: body) ?? ""
        _ = try appKey(account: account)
        let subscribed = try store.subscribers(account: account, event: trigger.event)
        let matching = subscribed.filter { $0.apiUser.isEmpty || $0.apiUser == trigger.apiUser }
        let deliveries = try store.insertDeliveries(account: account, webhooks: matching, event: trigger.event,
                                                    messageID: messageID, payload: body.bytes, at: now)
        for delivery in deliveries { start(delivery.id, due: now) }
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
        start(copy.id, due: copy.created)
        return copy
    }

    /// Schedules every pending delivery in the store (after a restart). Returns how many.
    @discardableResult
    public func resumePending() throws(WebhookError) -> Int {
        let pending = try store.pendingDeliveries()
        for (id, due) in pending { start(id, due: due) }
        return pending.count
    }

    /// True once none of `ids` is still being worked on by this process.
    public func isSettled(_ ids: [Int]) -> Bool {
        unsettled.withLock { set in ids.allSatisfy { !set.contains($0) } }
    }

    /// How many deliveries this process has yet to settle.
    public var unsettledCount: Int { unsettled.withLock { $0.count } }

    /// Blocks until every one of `ids` succeeded or failed for good; false if `interrupted`
    /// said to stop first. For callers outside the concurrency pool (the shell's thread).
    public func waitUntilSettled(_ ids: [Int], interrupted: () -> Bool) -> Bool {
        while !isSettled(ids) {
            if interrupted() { return false }
            usleep(2000)
        }
        return true
    }

    func start(_ id: Int, due: Double) {
        unsettled.withLock { _ = $0.insert(id) }
        Task { await self.run(id, due: due) }
    }

    /// Attempts delivery `id` at `due`, and again after each failure while the schedule allows.
    func run(_ id: Int, due: Double) async {
        var due = due
        while true {
            let wait = due - Clock.now()
            if wait > 0 { try? await Task.sleep(for: .milliseconds(Int64(wait * 1000))) }
            guard let next = await limit.run({ await self.attempt(id) }) else { break }
            due = next
        }
        unsettled.withLock { _ = $0.remove(id) }
    }

    /// One attempt, logged. Returns when the next one is due, or nil when the delivery settled
    /// (or cannot go on: gone from the log, the log failing).
    func attempt(_ id: Int) async -> Double? {
        guard let outgoing = try? store.outgoing(deliveryID: id), outgoing.state == .pending,
              let key = try? appKey(account: outgoing.account) else { return nil }
        let started = Clock.now()
        let outcome = await sender.send(url: outgoing.url, body: outgoing.payload, appKey: key)
        let number = outgoing.attemptsMade + 1
        let attempt = DeliveryAttempt(number: number, time: started, status: outcome.status,
                                      latencyMilliseconds: outcome.latencyMilliseconds, error: outcome.error)
        let retryIn = outcome.error == nil ? nil : schedule.delay(afterAttempts: number)
        let next = retryIn.map { Clock.now() + $0 }
        let state: DeliveryState = outcome.error == nil ? .succeeded : (next == nil ? .failed : .pending)
        do { try store.recordAttempt(deliveryID: id, attempt, state: state, nextAttempt: next) } catch { return nil }
        return next
    }
}

/// At most `limit` pushes at once; the rest wait their turn in arrival order.
final class ConcurrencyLimit: Sendable {
    private struct State {
        var available: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
    }
    private let state: Mutex<State>

    init(_ limit: Int) { state = Mutex(State(available: max(1, limit))) }

    func run<T: Sendable>(_ body: () async -> T) async -> T {
        await acquire()
        defer { release() }
        return await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state -> Bool in
                if state.available > 0 {
                    state.available -= 1
                    return true
                }
                state.waiting.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiting.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
