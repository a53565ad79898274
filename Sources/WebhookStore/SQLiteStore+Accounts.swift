import CSQLite
import WebhookCore

extension SQLiteStore: WebhookBackend {
    public var description: String { "store \(path)" }

    public func grant(_ user: UserGrant) throws(WebhookError) {
        let hashed = KeyHash.make(user.apiKey)
        try withLock { () throws(WebhookError) in
            try writing { () throws(WebhookError) in
                let account = try connection.prepare("INSERT OR IGNORE INTO accounts(name, app_key) VALUES (?1, ?2)")
                try account.bind(.text(user.account), .text(try appKeySeal().seal(KeyHash.newAppKey()))).run()
                let owner = try connection.prepare("SELECT account FROM api_users WHERE name = ?1")
                if try owner.bind(.text(user.apiUser)).step(), owner.text(0) != user.account {
                    throw WebhookError.invalidParameter("API_USER \(user.apiUser) belongs to account \(owner.text(0)), not \(user.account)")
            }
            _ = try owner.step()
            let upsert = try connection.prepare("""
                INSERT INTO api_users(name, account, key_salt, key_hash) VALUES (?1, ?2, ?3, ?4)
                ON CONFLICT(name) DO UPDATE SET key_salt = excluded.key_salt, key_hash = excluded.key_hash
                """)
            upsert.bind(.text(user.apiUser), .text(user.account))
            upsert.bindBlob(hashed.salt, at: 3)
            upsert.bindBlob(hashed.hash, at: 4)
            try upsert.run()
            }
        }
    }

    public func authenticate(apiUser: String, apiKey: String) throws(WebhookError) -> String {
        let found = try reading { reader throws(WebhookError) -> (account: String, hash: KeyHash)? in
            let statement = try reader.statements().credential.bind(.text(apiUser))
            guard try statement.step() else { return nil }
            let result = (statement.text(0), KeyHash(salt: statement.blob(1), hash: statement.blob(2)))
            _ = try statement.step()
            return result
        }
        guard let found else {
            _ = decoyKeyHash.matches(apiKey)
            throw .authenticationFailed
        }
        guard found.hash.matches(apiKey) else { throw .authenticationFailed }
        return found.account
    }

    public func service(account: String) throws(WebhookError) -> WebhookService & Sendable {
        try memberAccount(account)
    }

    /// The account, accepting only its own API_USERs.
    func memberAccount(_ account: String) throws(WebhookError) -> SQLiteAccount {
        let names = try reading { reader throws(WebhookError) -> Set<String> in
            let statement = try reader.statements().apiUsersOfAccount.bind(.text(account))
            var names: Set<String> = []
            while try statement.step() { names.insert(statement.text(0)) }
            return names
        }
        return self.account(account, apiUsers: .members(names))
    }
}
