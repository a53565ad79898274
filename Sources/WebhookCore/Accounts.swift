/// A server's accounts: API_USERs with their keys, grouped in accounts (API.md,
/// "Authentication and accounts"). Given as `ACCOUNT:API_USER:API_KEY` on the command line
/// (`--user`) or in `$WHS_USERS` (comma separated).
public struct UserGrant: Sendable, Equatable {
    public let account: String
    public let apiUser: String
    public let apiKey: String

    public init(account: String, apiUser: String, apiKey: String) {
        self.account = account
        self.apiUser = apiUser
        self.apiKey = apiKey
    }

    /// Parses `ACCOUNT:API_USER:API_KEY`. The key may itself hold colons.
    public static func parse(_ text: String) throws(WebhookError) -> UserGrant {
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, !parts[0].isEmpty, !parts[2].isEmpty else {
            throw .invalidParameter("a user is ACCOUNT:API_USER:API_KEY, got \(parts.count) part\(parts.count == 1 ? "" : "s")")
        }
        guard parts[0].utf8.allSatisfy(Validation.isAPIUserByte), parts[0].utf8.count <= 64 else {
            throw .invalidParameter("account names are 1 to 64 of letters, digits and _ . @ -")
        }
        let apiUser = try Validation.apiUser(parts[1])
        guard !apiUser.isEmpty else { throw .invalidParameter("a user needs an API_USER name") }
        return UserGrant(account: parts[0], apiUser: apiUser, apiKey: parts[2])
    }

    /// `$WHS_USERS`: grants separated by commas.
    public static func parseList(_ text: String) throws(WebhookError) -> [UserGrant] {
        var grants: [UserGrant] = []
        for part in text.split(separator: ",") where !part.isEmpty {
            grants.append(try parse(String(part)))
        }
        return grants
    }
}

/// Everything a server needs from a store: who a caller is, and that caller's webhooks.
public protocol WebhookBackend: Sendable {
    /// Adds the API_USER (creating its account as needed) or gives it a new key.
    func grant(_ user: UserGrant) throws(WebhookError)
    /// The account an API_USER and key belong to; `.authenticationFailed` for anything else.
    func authenticate(apiUser: String, apiKey: String) throws(WebhookError) -> String
    /// The webhooks of one account, which accepts only its own API_USERs.
    func service(account: String) throws(WebhookError) -> WebhookService & Sendable
    /// Where the data lives, for the server's start-up line.
    var description: String { get }
}

/// Compares two byte strings in time that depends only on their length, so that a wrong key
/// does not reveal how much of it was right.
public func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for index in a.indices { difference |= a[index] ^ b[index] }
    return difference == 0
}
