import WebhookCore
import WebhookStore
import WhsSupport

/// A PostgreSQL store for the shell, which is synchronous: each call waits on the shell's own
/// thread (`Blocking`) for the asynchronous store. The server never uses this.
public final class PostgresShellStore: DeliveryStore, MailStore, @unchecked Sendable {
    public let store: PostgresStore

    public init(_ store: PostgresStore) { self.store = store }

    /// Connects and migrates, waiting on this thread.
    public static func open(_ location: PostgresLocation, seal: AppKeySeal, node: String) throws(WebhookError) -> PostgresShellStore {
        PostgresShellStore(try Blocking.run { () async throws(WebhookError) in try await PostgresStore.open(location, seal: seal, node: node) })
    }

    func wait<T: Sendable>(_ body: @escaping @Sendable (PostgresStore) async throws(WebhookError) -> T) throws(WebhookError) -> T {
        let store = self.store
        return try Blocking.run { () async throws(WebhookError) in try await body(store) }
    }

    /// The shell's account (or any, for tests).
    public func account(_ name: String = "local", apiUsers: APIUserPolicy = .anyWellFormed) -> PostgresShellAccount {
        PostgresShellAccount(store.account(name, apiUsers: apiUsers), self)
    }

    public func appKey(account: String) throws(WebhookError) -> String { try wait { s throws(WebhookError) in try await s.appKey(account: account) } }
    public func subscribers(account: String, events: EventSet) throws(WebhookError) -> [Webhook] {
        try wait { s throws(WebhookError) in try await s.subscribers(account: account, events: events) }
    }
    public func insertDeliveries(account: String, webhooks: [Webhook], event: EventType, messageID: String, payload: [UInt8],
                                 at time: Double) throws(WebhookError) -> [Delivery] {
        try wait { s throws(WebhookError) in
            try await s.insertDeliveries(account: account, webhooks: webhooks, event: event, messageID: messageID, payload: payload, at: time)
        }
    }
    public func copyDelivery(account: String, id: Int, at time: Double) throws(WebhookError) -> Delivery {
        try wait { s throws(WebhookError) in try await s.copyDelivery(account: account, id: id, at: time) }
    }
    public func recordAttempts(_ records: [AttemptRecord]) throws(WebhookError) { try wait { s throws(WebhookError) in try await s.recordAttempts(records) } }
    public func outgoing(deliveryID: Int) throws(WebhookError) -> OutgoingDelivery? {
        try wait { s throws(WebhookError) in try await s.outgoing(deliveryID: deliveryID) }
    }
    public func deliveries(account: String, _ query: DeliveryQuery) throws(WebhookError) -> [Delivery] {
        try wait { s throws(WebhookError) in try await s.deliveries(account: account, query) }
    }
    public func pendingDeliveries() throws(WebhookError) -> [PendingDelivery] { try wait { s throws(WebhookError) in try await s.pendingDeliveries() } }

    public func putTemplate(account: String, _ template: MailTemplate) throws(WebhookError) -> MailTemplate {
        try wait { s throws(WebhookError) in try await s.putTemplate(account: account, template) }
    }
    public func template(account: String, name: String) throws(WebhookError) -> MailTemplate? {
        try wait { s throws(WebhookError) in try await s.template(account: account, name: name) }
    }
    public func templates(account: String) throws(WebhookError) -> [MailTemplate] { try wait { s throws(WebhookError) in try await s.templates(account: account) } }
    public func deleteTemplate(account: String, name: String) throws(WebhookError) -> Int {
        try wait { s throws(WebhookError) in try await s.deleteTemplate(account: account, name: name) }
    }
    public func recordSend(_ send: PlannedSend, repeatsSince: Double) throws(WebhookError) -> RecordedSend {
        try wait { s throws(WebhookError) in try await s.recordSend(send, repeatsSince: repeatsSince) }
    }
    public func recordEvent(account: String, mailID: Int, _ event: PlannedEvent) throws(WebhookError) -> [DeliveryLink] {
        try wait { s throws(WebhookError) in try await s.recordEvent(account: account, mailID: mailID, event) }
    }
    public func mails(account: String, _ query: MailQuery) throws(WebhookError) -> [MailRecord] {
        try wait { s throws(WebhookError) in try await s.mails(account: account, query) }
    }
    public func mail(account: String, id: Int) throws(WebhookError) -> MailRecord? {
        try wait { s throws(WebhookError) in try await s.mail(account: account, id: id) }
    }
    public func mailID(account: String, emailID: String) throws(WebhookError) -> Int? {
        try wait { s throws(WebhookError) in try await s.mailID(account: account, emailID: emailID) }
    }
}

/// The shell's account on a PostgreSQL store.
public final class PostgresShellAccount: WebhookService, @unchecked Sendable {
    let account: PostgresAccount
    let shell: PostgresShellStore

    init(_ account: PostgresAccount, _ shell: PostgresShellStore) {
        self.account = account
        self.shell = shell
    }

    public var backendDescription: String { shell.store.description }

    public func list(_ query: WebhookQuery) throws(WebhookError) -> Page {
        let account = self.account
        return try Blocking.run { () async throws(WebhookError) in try await account.list(query) }
    }
    public func add(_ draft: WebhookDraft) throws(WebhookError) -> Webhook {
        let account = self.account
        return try Blocking.run { () async throws(WebhookError) in try await account.add(draft) }
    }
    public func modify(id: Int, _ patch: WebhookPatch) throws(WebhookError) -> Int {
        let account = self.account
        return try Blocking.run { () async throws(WebhookError) in try await account.modify(id: id, patch) }
    }
    public func delete(id: Int) throws(WebhookError) -> Int {
        let account = self.account
        return try Blocking.run { () async throws(WebhookError) in try await account.delete(id: id) }
    }
    public func get(id: Int) throws(WebhookError) -> Webhook {
        let account = self.account
        return try Blocking.run { () async throws(WebhookError) in try await account.get(id: id) }
    }
}
