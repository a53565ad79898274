import WhsSupport

/// The store's half of delivery (implemented by the SQLite and the memory store): app keys, the
/// webhooks an event reaches, and the delivery log. Pending deliveries are rows, not timers, so
/// that they survive a restart.
public protocol DeliveryStore: Sendable {
    /// The account's app key, which signs its pushes; made on first use.
    func appKey(account: String) throws(WebhookError) -> String
    /// Every webhook of the account subscribed to any of `events`, whatever its API_USER.
    func subscribers(account: String, events: EventSet) throws(WebhookError) -> [Webhook]
    /// Logs one pending delivery per webhook, due at `time`, all with the same body.
    func insertDeliveries(account: String, webhooks: [Webhook], event: EventType, messageID: String,
                          payload: [UInt8], at time: Double) throws(WebhookError) -> [Delivery]
    /// A new pending delivery with the payload, webhook and URL of delivery `id` (`redeliver`).
    func copyDelivery(account: String, id: Int, at time: Double) throws(WebhookError) -> Delivery
    /// Logs attempts and the states they leave their deliveries in, in one transaction.
    func recordAttempts(_ records: [AttemptRecord]) throws(WebhookError)
    /// What sending delivery `id` needs; nil if the log has no such delivery.
    func outgoing(deliveryID: Int) throws(WebhookError) -> OutgoingDelivery?
    /// The account's deliveries that `query` selects, oldest first.
    func deliveries(account: String, _ query: DeliveryQuery) throws(WebhookError) -> [Delivery]
    /// Every pending delivery of every account, with when it is due: what a restart resumes.
    func pendingDeliveries() throws(WebhookError) -> [PendingDelivery]
}

/// A delivery a restart resumes: when it is due, and the delivery before it in its mail's
/// chain (which must be attempted first, so that a mail's pushes arrive in order).
public struct PendingDelivery: Sendable, Equatable {
    public let id: Int
    public let due: Double
    public let after: Int?
    public let attemptsMade: Int

    public init(id: Int, due: Double, after: Int?, attemptsMade: Int) {
        self.id = id
        self.due = due
        self.after = after
        self.attemptsMade = attemptsMade
    }
}

/// An attempt as the log takes it: which delivery, what happened, and what comes next.
public struct AttemptRecord: Sendable {
    public let deliveryID: Int
    public let attempt: DeliveryAttempt
    public let state: DeliveryState
    /// When the next attempt is due; nil once the delivery settled.
    public let nextAttempt: Double?

    public init(deliveryID: Int, attempt: DeliveryAttempt, state: DeliveryState, nextAttempt: Double?) {
        self.deliveryID = deliveryID
        self.attempt = attempt
        self.state = state
        self.nextAttempt = nextAttempt
    }
}

extension DeliveryStore {
    /// Every webhook of the account subscribed to `event`.
    public func subscribers(account: String, event: EventType) throws(WebhookError) -> [Webhook] {
        try subscribers(account: account, events: EventSet([event]))
    }

    /// Logs one attempt.
    public func recordAttempt(deliveryID: Int, _ attempt: DeliveryAttempt, state: DeliveryState, nextAttempt: Double?) throws(WebhookError) {
        try recordAttempts([AttemptRecord(deliveryID: deliveryID, attempt: attempt, state: state, nextAttempt: nextAttempt)])
    }
}

/// A delivery as the sender needs it.
public struct OutgoingDelivery: Sendable {
    public let account: String
    public let url: String
    public let payload: [UInt8]
    public let attemptsMade: Int
    public let state: DeliveryState
    /// The fault injected into it (a `badsig` push is signed wrong and tried once).
    public let fault: DeliveryFault?

    public init(account: String, url: String, payload: [UInt8], attemptsMade: Int, state: DeliveryState, fault: DeliveryFault? = nil) {
        self.account = account
        self.url = url
        self.payload = payload
        self.attemptsMade = attemptsMade
        self.state = state
        self.fault = fault
    }
}

/// Delivery as the shell sees it, whatever the backend: a local store with its own
/// dispatcher, or a server's `/v1/events` and `/v1/deliveries`. Results are the wire JSON of
/// docs/DELIVERY.md, so the shell shows the same shapes either way.
public protocol EventDelivery: AnyObject {
    /// Fans an event out; `{"message_id", "deliveries": [...]}`. With `wait`, returns once
    /// every delivery succeeded or ran out of retries, or the wait's time is up (`note` then
    /// says how many are still pending).
    func trigger(_ trigger: EventTrigger, wait: DeliveryWait?) throws(WebhookError) -> JSON
    /// `{"count", "deliveries": [...]}`.
    func deliveries(_ query: DeliveryQuery) throws(WebhookError) -> JSON
    /// Sends delivery `id`'s payload again, as a new delivery; returns it.
    func redeliver(id: Int, wait: DeliveryWait?) throws(WebhookError) -> JSON
    /// The body `trigger` would send, without sending it.
    func payload(_ trigger: EventTrigger) throws(WebhookError) -> JSON
    /// The account's app key, which signs the pushes.
    func appKey() throws(WebhookError) -> String
    /// The retry schedule, signature form, time scale and body extras (local dispatchers; a
    /// server keeps its own, set by `whs serve`'s flags).
    var pushOptions: PushOptions { get set }
    /// Deliveries this process started and has not seen settle (0 for a server's).
    var unsettledCount: Int { get }
    /// A clear of the account cancelled pending deliveries (`reset`): a local dispatcher drops
    /// the ones it holds in memory, so they are never pushed. A server's does that itself.
    func deliveriesCancelled(_ cleared: ClearedCounts)
}

extension EventDelivery {
    public func deliveriesCancelled(_ cleared: ClearedCounts) {}

    /// A backend that keeps its own options ignores the shell's.
    public var pushOptions: PushOptions {
        get { PushOptions() }
        set {}
    }
}

/// What a receiver (`listen`) is asked to do.
public struct ListenOptions: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 8088
    /// The key signatures are checked with; nil: not checked.
    public var appKey: String?
    /// The status every push is answered with.
    public var respond = 200
    /// The first N pushes are answered 500 (to watch retries), the rest `respond`.
    public var failFirst = 0
    /// Waits this long before answering (to watch timeouts).
    public var delayMilliseconds = 0
    /// Each push is passed on to this URL (the application's handler) and answered with its
    /// answer, instead of `respond` (`--forward-to`).
    public var forwardTo: String?
    /// Each push is appended to this file as one JSON line (`--save`; mode 0600).
    public var saveTo: String?

    public init() {}
}

/// A receiver running in the background of a shell: where it listens and what it received.
public protocol PushInbox: AnyObject {
    var port: Int { get }
    /// Pushes received, oldest first, each `{"time","event","message_id","signature","status","body"}`.
    func received() -> [JSON]
    func clear()
    func stop()
}
