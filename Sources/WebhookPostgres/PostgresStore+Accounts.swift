import NIOCore
import PostgresNIO
import WebhookCore
import WebhookStore

/// Accounts, API_USERs and webhooks in PostgreSQL.
extension PostgresStore: AsyncWebhookBackend {
    public func grant(_ user: UserGrant) async throws(WebhookError) {
        let hashed = KeyHash.make(user.apiKey)
        let sealed = try seal.seal(KeyHash.newAppKey())
        try await transaction { connection in
            let logger = PostgresStore.quiet
            try await connection.query("INSERT INTO accounts(name, app_key) VALUES (\(user.account), \(sealed)) ON CONFLICT (name) DO NOTHING", logger: logger)
            for try await owner in try await connection.query("SELECT account FROM api_users WHERE name = \(user.apiUser) FOR UPDATE", logger: logger).decode(String.self)
            where owner != user.account {
                throw WebhookError.invalidParameter("API_USER \(user.apiUser) belongs to account \(owner), not \(user.account)")
            }
            try await connection.query("""
                INSERT INTO api_users(name, account, key_salt, key_hash) VALUES (\(user.apiUser), \(user.account), \(ByteBuffer(bytes: hashed.salt)), \(ByteBuffer(bytes: hashed.hash)))
                ON CONFLICT (name) DO UPDATE SET key_salt = excluded.key_salt, key_hash = excluded.key_hash
                """, logger: logger)
            // Every node forgets the callers it authenticated: one of them may have had the old key.
            try await connection.query("SELECT pg_notify(\(PostgresStore.accountsChannel), '')", logger: logger)
        }
    }

    public func authenticate(apiUser: String, apiKey: String) async throws(WebhookError) -> String {
        let found = try await pinned(retry: true) { connection -> (String, KeyHash)? in
            for try await (account, salt, hash) in try await connection.execute(APIUserStatement(apiUser: apiUser), logger: PostgresStore.quiet) {
                return (account, KeyHash(salt: salt.bytes, hash: hash.bytes))
            }
            return nil
        }
        guard let found else {
            _ = decoyKeyHash.matches(apiKey)
            throw .authenticationFailed
        }
        guard found.1.matches(apiKey) else { throw .authenticationFailed }
        return found.0
    }

    public func webhooks(account: String) async throws(WebhookError) -> any AsyncWebhookService {
        let names = try await pinned(retry: true) { connection -> Set<String> in
            var names: Set<String> = []
            for try await name in try await connection.execute(AccountUsersStatement(account: account), logger: PostgresStore.quiet) {
                names.insert(name)
            }
            return names
        }
        return PostgresAccount(store: self, account: account, policy: .members(names))
    }

    /// An account as the shell works in it: by default any well-formed API_USER, as on the
    /// embedded store.
    public func account(_ name: String = "local", apiUsers: APIUserPolicy = .anyWellFormed) -> PostgresAccount {
        PostgresAccount(store: self, account: name, policy: apiUsers)
    }
}

/// One account's webhooks in PostgreSQL. Totals are read from `webhook_counts`, which a trigger
/// keeps in the writing transaction: nothing is cached here that another node's add could
/// make stale.
public final class PostgresAccount: AsyncWebhookService {
    let store: PostgresStore
    public let account: String
    let policy: APIUserPolicy

    init(store: PostgresStore, account: String, policy: APIUserPolicy) {
        self.store = store
        self.account = account
        self.policy = policy
    }

    public func list(_ query: WebhookQuery) async throws(WebhookError) -> Page {
        // One statement for this request and those that arrived with it on the same event
        // loop (`PageBatches`): the totals and the pages beside them.
        let store = self.store
        return try await store.pageBatches.page(PageBatches.Request(account: account, query: query)) { requests throws(WebhookError) in
            try await store.pages(requests)
        }
    }

    public func add(_ draft: WebhookDraft) async throws(WebhookError) -> Webhook {
        try policy.check(draft.apiUser)
        let account = self.account
        // ON CONFLICT DO NOTHING waits for a racing add of the same url to commit, then finds
        // its row: exactly one add wins, and the other is told which webhook won.
        let made = try await store.call { client -> Int? in
            for try await id in try await client.query("""
                INSERT INTO webhooks(account, api_user, url, events) VALUES (\(account), \(draft.apiUser), \(draft.url), \(draft.events.mask))
                ON CONFLICT (account, api_user, url) DO NOTHING RETURNING id
                """, logger: PostgresStore.quiet).decode(Int.self) {
                return id
            }
            return nil
        }
        guard let made else { throw try await duplicate(apiUser: draft.apiUser, url: draft.url) }
        return Webhook(id: made, url: draft.url, events: draft.events, apiUser: draft.apiUser)
    }

    public func modify(id: Int, _ patch: WebhookPatch) async throws(WebhookError) -> Int {
        if let apiUser = patch.apiUser { try policy.check(apiUser) }
        let account = self.account
        return try await store.call { client -> Int in
            do {
                var changed = 0
                for try await _ in try await client.query("""
                    UPDATE webhooks SET url = coalesce(\(patch.url), url), events = coalesce(\(patch.events.map(\.mask)), events),
                        api_user = coalesce(\(patch.apiUser), api_user)
                    WHERE account = \(account) AND id = \(id) RETURNING id
                    """, logger: PostgresStore.quiet).decode(Int.self) {
                    changed += 1
                }
                return changed
            } catch where PostgresStore.isUniqueViolation(error) {
                // The webhook that holds the url and API_USER the patch would give this one.
                for try await existing in try await client.query("""
                    SELECT o.id FROM webhooks w JOIN webhooks o ON o.account = w.account
                      AND o.api_user = coalesce(\(patch.apiUser), w.api_user) AND o.url = coalesce(\(patch.url), w.url)
                    WHERE w.account = \(account) AND w.id = \(id)
                    """, logger: PostgresStore.quiet).decode(Int.self) {
                    throw WebhookError.duplicate(existingID: existing)
                }
                throw error
            }
        }
    }

    public func delete(id: Int) async throws(WebhookError) -> Int {
        let account = self.account
        return try await store.call { client -> Int in
            var deleted = 0
            for try await _ in try await client.query("DELETE FROM webhooks WHERE account = \(account) AND id = \(id) RETURNING id",
                                                      logger: PostgresStore.quiet).decode(Int.self) {
                deleted += 1
            }
            return deleted
        }
    }

    public func get(id: Int) async throws(WebhookError) -> Webhook {
        guard let found = try await row(id: id) else { throw .webhookNotFound(id: id) }
        return found
    }

    func row(id: Int) async throws(WebhookError) -> Webhook? {
        let account = self.account
        return try await store.pinned(retry: true) { connection -> Webhook? in
            for try await webhook in try await connection.execute(WebhookByIDStatement(account: account, id: id), logger: PostgresStore.quiet) {
                return webhook
            }
            return nil
        }
    }

    func duplicate(apiUser: String, url: String) async throws(WebhookError) -> WebhookError {
        let account = self.account
        let existing = try await store.call { client -> Int? in
            for try await id in try await client.query(
                "SELECT id FROM webhooks WHERE account = \(account) AND api_user = \(apiUser) AND url = \(url)", logger: PostgresStore.quiet
            ).decode(Int.self) {
                return id
            }
            return nil
        }
        guard let existing else { return .storage("the url was taken and released again; try once more") }
        return .duplicate(existingID: existing)
    }
}
