/// The webhook API of one account, as every backend offers it: the embedded SQLite store, the
/// in-memory store, and the HTTP client of a server. Methods are synchronous: a shell runs one
/// statement at a time, and SQLite answers in microseconds; the HTTP client blocks its caller
/// while the request is under way.
public protocol WebhookService: AnyObject {
    /// A page of webhooks in ascending id order, with the total that match the filter.
    func list(_ query: WebhookQuery) throws(WebhookError) -> Page
    /// Stores a new webhook and returns it with its id.
    func add(_ draft: WebhookDraft) throws(WebhookError) -> Webhook
    /// Applies a patch; returns how many webhooks the id matched in this account (1 or 0).
    func modify(id: Int, _ patch: WebhookPatch) throws(WebhookError) -> Int
    /// Deletes; returns how many webhooks the id matched in this account (1 or 0).
    func delete(id: Int) throws(WebhookError) -> Int
    /// One webhook by id, or `.webhookNotFound`.
    func get(id: Int) throws(WebhookError) -> Webhook
    /// Where the data lives, for banners and prompts: "store ~/.local/share/whs/store.sqlite".
    var backendDescription: String { get }
    /// The server and API_USER a remote backend talks to; nil for a local store.
    var remoteEndpoint: RemoteEndpoint? { get }
}

/// A server a remote backend talks to, as `explain` needs it for its curl commands.
public struct RemoteEndpoint: Sendable, Equatable {
    public let baseURL: String
    public let apiUser: String

    public init(baseURL: String, apiUser: String) {
        self.baseURL = baseURL
        self.apiUser = apiUser
    }

    /// Where `explain` points when the shell is on a local store: the real service.
    public static let engageLab = RemoteEndpoint(baseURL: "https://email.api.engagelab.cc", apiUser: "api_user")

    /// `127.0.0.1:8080`, for the prompt.
    public var hostAndPort: String {
        let rest = baseURL.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init)
        return rest ?? baseURL
    }
}

extension WebhookService {
    public var remoteEndpoint: RemoteEndpoint? { nil }
}

extension WebhookService {
    /// `get` for backends that can only list: pages through until the id shows up. Ids ascend,
    /// so the search stops at the first page that passes the id.
    public func getByListing(id: Int) throws(WebhookError) -> Webhook {
        var offset = 0
        while true {
            let page = try list(WebhookQuery(offset: offset, limit: WebhookQuery.maxLimit))
            if let found = page.webhooks.first(where: { $0.id == id }) { return found }
            if page.webhooks.isEmpty || page.webhooks.last!.id > id { throw .webhookNotFound(id: id) }
            offset += page.count
        }
    }
}

/// Which API_USERs an account has, so that `add` and `modify` can refuse one it does not have.
public enum APIUserPolicy: Sendable {
    /// The embedded single-user store: any well-formed name is accepted.
    case anyWellFormed
    /// A server account: only these names.
    case members(Set<String>)

    /// Throws unless `apiUser` ("" meaning all) belongs to the account.
    public func check(_ apiUser: String) throws(WebhookError) {
        guard case .members(let names) = self, !apiUser.isEmpty, !names.contains(apiUser) else { return }
        throw .foreignAPIUser(apiUser)
    }
}
