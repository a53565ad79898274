/// A registered callback URL: what the API calls a webhook.
public struct Webhook: Sendable, Hashable {
    /// Assigned by the store: positive, increasing, never reused.
    public let id: Int
    public var url: String
    public var events: EventSet
    /// The API_USER the webhook is bound to; "" means every API_USER of the account.
    public var apiUser: String

    public init(id: Int, url: String, events: EventSet, apiUser: String) {
        self.id = id
        self.url = url
        self.events = events
        self.apiUser = apiUser
    }
}

/// A valid webhook that has no id yet: what `add` stores. Build it with `WebhookDraft.validated`.
public struct WebhookDraft: Sendable, Hashable {
    public let url: String
    public let events: EventSet
    public let apiUser: String

    init(url: String, events: EventSet, apiUser: String) {
        self.url = url
        self.events = events
        self.apiUser = apiUser
    }

    /// Checks the add arguments as API.md rules them: url required; events default to all nine;
    /// api_user nil or "" means all API_USERs.
    public static func validated(url: String?, apiUser: String?, events: [EventInput]?) throws(WebhookError) -> WebhookDraft {
        guard let url else { throw .invalidParameter("url is required") }
        return WebhookDraft(
            url: try Validation.url(url),
            events: try events.map { items throws(WebhookError) in try Validation.events(items) } ?? .all,
            apiUser: try Validation.apiUser(apiUser)
        )
    }
}

/// The fields a modify changes; nil fields are left as they are.
public struct WebhookPatch: Sendable, Hashable {
    public let url: String?
    public let events: EventSet?
    public let apiUser: String?

    public var isEmpty: Bool { url == nil && events == nil && apiUser == nil }

    init(url: String?, events: EventSet?, apiUser: String?) {
        self.url = url
        self.events = events
        self.apiUser = apiUser
    }

    /// Present fields are validated as on add. An `apiUser` of "" rebinds to all API_USERs.
    public static func validated(url: String?, apiUser: String?, events: [EventInput]?) throws(WebhookError) -> WebhookPatch {
        WebhookPatch(
            url: try url.map { u throws(WebhookError) in try Validation.url(u) },
            events: try events.map { items throws(WebhookError) in try Validation.events(items) },
            apiUser: try apiUser.map { u throws(WebhookError) in try Validation.apiUser(u) }
        )
    }

    public static let none = WebhookPatch(url: nil, events: nil, apiUser: nil)
}

/// A query: an optional API_USER filter and a page window.
public struct WebhookQuery: Sendable, Hashable {
    public static let defaultLimit = 100
    public static let maxLimit = 100

    public let apiUser: String?
    public let offset: Int
    public let limit: Int

    /// offset >= 0 (default 0), limit 0...100 (default 100).
    public static func validated(apiUser: String?, offset: Int?, limit: Int?) throws(WebhookError) -> WebhookQuery {
        let offset = offset ?? 0
        let limit = limit ?? defaultLimit
        guard offset >= 0 else { throw .invalidParameter("offset must be an integer >= 0, got \(offset)") }
        guard (0...maxLimit).contains(limit) else {
            throw .invalidParameter("limit must be an integer from 0 to \(maxLimit), got \(limit)")
        }
        // A malformed name can match nothing: say so rather than answer an empty page.
        if let apiUser, !apiUser.isEmpty { _ = try Validation.apiUser(apiUser) }
        return WebhookQuery(apiUser: apiUser, offset: offset, limit: limit)
    }

    public init(apiUser: String? = nil, offset: Int = 0, limit: Int = defaultLimit) {
        self.apiUser = apiUser
        self.offset = offset
        self.limit = limit
    }
}

/// One page of a query: `count` is `webhooks.count`, `total` counts every match of the filter.
public struct Page: Sendable, Hashable {
    public let webhooks: [Webhook]
    public let total: Int
    public var count: Int { webhooks.count }

    public init(webhooks: [Webhook], total: Int) {
        self.webhooks = webhooks
        self.total = total
    }
}

/// An event as a caller names it: by code (`11`) or by name (`"open"`).
public enum EventInput: Sendable, Hashable {
    case code(Int)
    case name(String)
}
