import Synchronization
import WebhookCore
import WhsSupport

/// A throwaway store in memory (`whs --memory`, `whs check`, tests and fuzzing). Same rules as
/// the SQLite store; the conformance suite holds both to them.
public final class MemoryStore: Sendable {
    struct State {
        var lastID = 0
        /// API_USER → (account, key hash).
        var users: [String: (account: String, key: KeyHash)] = [:]
        /// Per account, in ascending id order (ids only grow, so appending keeps the order).
        var webhooks: [String: [Webhook]] = [:]
        var appKeys: [String: String] = [:]
        /// The delivery log, in id order, with each delivery's account and body. Ids only grow
        /// and deletes leave gaps, so an id is found by binary search (`deliveryIndex`).
        var deliveries: [LoggedDelivery] = []
        var lastDeliveryID = 0
        /// The mail log (docs/SENDING.md), in id order, found the same way (`mailIndex`).
        var mails: [(account: String, record: MailRecord)] = []
        var lastMailID = 0

        /// The next delivery id; never one used before, even after deletes.
        mutating func nextDeliveryID() -> Int {
            lastDeliveryID += 1
            return lastDeliveryID
        }

        mutating func nextMailID() -> Int {
            lastMailID += 1
            return lastMailID
        }

        /// Where delivery `id` is in `deliveries`, if it is there.
        func deliveryIndex(_ id: Int) -> Int? {
            MemoryStore.position(of: id, count: deliveries.count) { deliveries[$0].delivery.id }
        }

        /// Where mail `id` is in `mails`, if it is there.
        func mailIndex(_ id: Int) -> Int? {
            MemoryStore.position(of: id, count: mails.count) { mails[$0].record.id }
        }
        var templates: [String: [String: MailTemplate]] = [:]
        /// The activity log that follows read (MemoryStore+Activity.swift).
        var activity = ActivityRows()
        /// Request ids by account: the answer and when it was given.
        var sends: [String: [String: (answer: JSON, created: Double)]] = [:]
    }

    struct LoggedDelivery {
        let account: String
        var delivery: Delivery
        let payload: [UInt8]
        var mailID: Int? = nil
        var after: Int? = nil
        /// Set for the moment of a clear: cancelled by it, so kept.
        var cancelledNow = false
    }
    let state = Mutex(State())

    public init() {}

    /// Binary search over ascending ids.
    static func position(of id: Int, count: Int, idAt: (Int) -> Int) -> Int? {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if idAt(middle) < id { low = middle + 1 } else { high = middle }
        }
        return low < count && idAt(low) == id ? low : nil
    }

    public func account(_ name: String = "local", apiUsers: APIUserPolicy = .anyWellFormed) -> MemoryAccount {
        MemoryAccount(store: self, account: name, policy: apiUsers)
    }
}

extension MemoryStore: WebhookBackend {
    public var description: String { "memory" }

    public func grant(_ user: UserGrant) throws(WebhookError) {
        let hashed = KeyHash.make(user.apiKey)
        try state.withLock { state throws(WebhookError) in
            if let owner = state.users[user.apiUser]?.account, owner != user.account {
                throw .invalidParameter("API_USER \(user.apiUser) belongs to account \(owner), not \(user.account)")
            }
            state.users[user.apiUser] = (user.account, hashed)
        }
    }

    public func authenticate(apiUser: String, apiKey: String) throws(WebhookError) -> String {
        guard let found = state.withLock({ $0.users[apiUser] }) else {
            _ = decoyKeyHash.matches(apiKey)
            throw .authenticationFailed
        }
        guard found.key.matches(apiKey) else { throw .authenticationFailed }
        return found.account
    }

    public func service(account: String) throws(WebhookError) -> WebhookService & Sendable {
        memberAccount(account)
    }

    /// The account, accepting only its own API_USERs.
    func memberAccount(_ account: String) -> MemoryAccount {
        let names = state.withLock { state in Set(state.users.filter { $0.value.account == account }.keys) }
        return self.account(account, apiUsers: .members(names))
    }
}

public final class MemoryAccount: WebhookService, Sendable {
    let store: MemoryStore
    public let account: String
    public let policy: APIUserPolicy

    init(store: MemoryStore, account: String, policy: APIUserPolicy) {
        self.store = store
        self.account = account
        self.policy = policy
    }

    public var backendDescription: String { "memory" }

    public func list(_ query: WebhookQuery) throws(WebhookError) -> Page {
        store.state.withLock { state in
            let all = state.webhooks[account, default: []]
            let matching = query.apiUser.map { user in all.filter { $0.apiUser == user } } ?? all
            let start = min(query.offset, matching.count)
            let end = min(start + query.limit, matching.count)
            return Page(webhooks: Array(matching[start..<end]), total: matching.count)
        }
    }

    public func add(_ draft: WebhookDraft) throws(WebhookError) -> Webhook {
        try policy.check(draft.apiUser)
        return try store.state.withLock { state throws(WebhookError) -> Webhook in
            if let existing = state.webhooks[account]?.first(where: { $0.apiUser == draft.apiUser && $0.url == draft.url }) {
                throw .duplicate(existingID: existing.id)
            }
            state.lastID += 1
            let webhook = Webhook(id: state.lastID, url: draft.url, events: draft.events, apiUser: draft.apiUser)
            state.webhooks[account, default: []].append(webhook)
            return webhook
        }
    }

    public func modify(id: Int, _ patch: WebhookPatch) throws(WebhookError) -> Int {
        if let apiUser = patch.apiUser { try policy.check(apiUser) }
        return try store.state.withLock { state throws(WebhookError) -> Int in
            guard let index = state.webhooks[account]?.firstIndex(where: { $0.id == id }) else { return 0 }
            var changed = state.webhooks[account]![index]
            if let url = patch.url { changed.url = url }
            if let events = patch.events { changed.events = events }
            if let apiUser = patch.apiUser { changed.apiUser = apiUser }
            if let clash = state.webhooks[account]!.first(where: { $0.id != id && $0.apiUser == changed.apiUser && $0.url == changed.url }) {
                throw .duplicate(existingID: clash.id)
            }
            state.webhooks[account]![index] = changed
            return 1
        }
    }

    public func delete(id: Int) throws(WebhookError) -> Int {
        store.state.withLock { state in
            guard let index = state.webhooks[account]?.firstIndex(where: { $0.id == id }) else { return 0 }
            state.webhooks[account]!.remove(at: index)
            return 1
        }
    }

    public func get(id: Int) throws(WebhookError) -> Webhook {
        let found = store.state.withLock { state in state.webhooks[account]?.first { $0.id == id } }
        guard let found else { throw .webhookNotFound(id: id) }
        return found
    }
}
