import WebhookCore

/// Reset, deletes and retention for a shell on a PostgreSQL store, waiting on its own thread.
extension PostgresShellStore: DataClearing {
    public func clear(account: String, _ parts: Set<ResetPart>, before: Double?) throws(WebhookError) -> ClearedCounts {
        try wait { s throws(WebhookError) in try await s.clear(account: account, parts, before: before) }
    }
    public func setAppKey(account: String, _ key: String) throws(WebhookError) {
        try wait { s throws(WebhookError) in try await s.setAppKey(account: account, key) }
    }
    public func accountsWithSettings() throws(WebhookError) -> [String] { try wait { s throws(WebhookError) in try await s.accountsWithSettings() } }
    public func prune(_ policy: RetentionPolicy, now: Double, limit: Int) throws(WebhookError) -> PruneCounts {
        try wait { s throws(WebhookError) in try await s.prune(policy, now: now, limit: limit) }
    }
}
