import WhsSupport

// The store as `whs serve` and the dispatcher see it: the same operations as `WebhookBackend`,
// `WebhookService`, `DeliveryStore` and `MailStore`, asynchronous, so that a store that waits
// on a network (PostgreSQL) never blocks a thread the server needs. The embedded stores answer
// in microseconds and conform with their synchronous methods as they are (a synchronous
// method satisfies an async requirement). The shell, which is synchronous, keeps the
// synchronous protocols.

/// The webhooks of one account, asynchronously.
public protocol AsyncWebhookService: AnyObject, Sendable {
    func list(_ query: WebhookQuery) async throws(WebhookError) -> Page
    func add(_ draft: WebhookDraft) async throws(WebhookError) -> Webhook
    func modify(id: Int, _ patch: WebhookPatch) async throws(WebhookError) -> Int
    func delete(id: Int) async throws(WebhookError) -> Int
    func get(id: Int) async throws(WebhookError) -> Webhook
}

/// Who a caller is, and that caller's webhooks: `WebhookBackend`, asynchronously.
public protocol AsyncWebhookBackend: Sendable {
    func grant(_ user: UserGrant) async throws(WebhookError)
    func authenticate(apiUser: String, apiKey: String) async throws(WebhookError) -> String
    /// The webhooks of one account, which accepts only its own API_USERs.
    func webhooks(account: String) async throws(WebhookError) -> any AsyncWebhookService
    /// Where the data lives, for the server's start-up line (never with a password).
    var description: String { get }
    /// Throws `.unreachable` unless the store answers now (the health route).
    func checkHealth() async throws(WebhookError)
    /// Called when accounts or keys change anywhere (another node granted a key), so that a
    /// server's cache of authenticated callers can be emptied. Embedded stores never call it:
    /// only their own process changes them.
    func onAccountsChanged(_ action: @escaping @Sendable () -> Void)
}

extension AsyncWebhookBackend {
    public func checkHealth() async throws(WebhookError) {}
    public func onAccountsChanged(_ action: @escaping @Sendable () -> Void) {}
}

/// `DeliveryStore`, asynchronously.
public protocol AsyncDeliveryStore: Sendable {
    func appKey(account: String) async throws(WebhookError) -> String
    func subscribers(account: String, events: EventSet) async throws(WebhookError) -> [Webhook]
    func insertDeliveries(account: String, webhooks: [Webhook], event: EventType, messageID: String,
                          payload: [UInt8], at time: Double) async throws(WebhookError) -> [Delivery]
    func copyDelivery(account: String, id: Int, at time: Double) async throws(WebhookError) -> Delivery
    func recordAttempts(_ records: [AttemptRecord]) async throws(WebhookError)
    func outgoing(deliveryID: Int) async throws(WebhookError) -> OutgoingDelivery?
    func deliveries(account: String, _ query: DeliveryQuery) async throws(WebhookError) -> [Delivery]
    func pendingDeliveries() async throws(WebhookError) -> [PendingDelivery]
}

/// `MailStore`, asynchronously.
public protocol AsyncMailStore: Sendable {
    func putTemplate(account: String, _ template: MailTemplate) async throws(WebhookError) -> MailTemplate
    func template(account: String, name: String) async throws(WebhookError) -> MailTemplate?
    func templates(account: String) async throws(WebhookError) -> [MailTemplate]
    func deleteTemplate(account: String, name: String) async throws(WebhookError) -> Int
    func recordSend(_ send: PlannedSend, repeatsSince: Double) async throws(WebhookError) -> RecordedSend
    func recordEvent(account: String, mailID: Int, _ event: PlannedEvent) async throws(WebhookError) -> [DeliveryLink]
    func mails(account: String, _ query: MailQuery) async throws(WebhookError) -> [MailRecord]
    func mail(account: String, id: Int) async throws(WebhookError) -> MailRecord?
    func mailID(account: String, emailID: String) async throws(WebhookError) -> Int?
}

/// A delivery log that several processes work from at once (PostgreSQL): due deliveries are
/// claimed with a lease, never handed out, so each is worked by one node at a time and a
/// node that dies leaves leases that run out (docs/SCALING.md).
public protocol DeliveryClaims: Sendable {
    /// Leases up to `limit` due deliveries to `node` for `lease` seconds, oldest due first; a
    /// delivery whose chain predecessor has not been attempted yet is not due.
    func claim(node: String, limit: Int, lease: Double) async throws(WebhookError) -> [ClaimedDelivery]
    /// When the next pending delivery falls due (leased or not); nil when none is pending.
    func nextDue() async throws(WebhookError) -> Double?
    /// Ends `node`'s leases of `ids` (claimed, never attempted: the node is stopping), so that
    /// any node may claim them now rather than once the leases run out; wakes every node's claims.
    func release(_ ids: [Int], node: String) async throws(WebhookError)
    /// Calls `action` whenever any process queues a delivery (PostgreSQL's NOTIFY). Started
    /// once; it keeps listening (and reconnecting) until the process ends.
    func onDeliveriesQueued(_ action: @escaping @Sendable () -> Void)
    /// A trigger's deliveries written as `AsyncDeliveryStore.insertDeliveries` writes them, the
    /// first `limit` (by id) already leased to `node` for `lease` seconds by the same write: the
    /// trigger's node hands those to its workers at once instead of claiming back what it just
    /// wrote. nil when the store does not do this (the caller inserts, then claims).
    func insertDeliveries(account: String, webhooks: [Webhook], event: EventType, messageID: String, payload: [UInt8], at time: Double,
                          leasing limit: Int, to node: String, lease: Double) async throws(WebhookError) -> LeasedInsert?
}

extension DeliveryClaims {
    public func insertDeliveries(account: String, webhooks: [Webhook], event: EventType, messageID: String, payload: [UInt8], at time: Double,
                                 leasing limit: Int, to node: String, lease: Double) async throws(WebhookError) -> LeasedInsert? { nil }
}

/// A trigger's deliveries (by id) and how many of the first ones are leased to the writer.
public struct LeasedInsert: Sendable {
    public let deliveries: [Delivery]
    public let leased: Int

    public init(deliveries: [Delivery], leased: Int) {
        self.deliveries = deliveries
        self.leased = leased
    }
}

/// A delivery a node has leased, with what sending it needs.
public struct ClaimedDelivery: Sendable {
    public let id: Int
    public let outgoing: OutgoingDelivery

    public init(id: Int, outgoing: OutgoingDelivery) {
        self.id = id
        self.outgoing = outgoing
    }
}
