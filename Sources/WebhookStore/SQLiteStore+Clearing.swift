import CSQLite
import WebhookCore
import WhsSupport

/// Reset, deletes and retention in SQLite (schema step 6 indexes both logs by time). Work on
/// many rows is cut into transactions of at most `batch` rows, the lock given back between
/// them, so that a request waits for one short batch at most; retention writes on a connection
/// of its own, so that readers never wait for it at all.
extension SQLiteStore: DataClearing {
    static let batch = 500

    final class ClearingStatements {
        let lastDelivery, cancel, accountDeliveries, deleteAttempts, deleteDelivery, lastMail, deleteMails, forgetSends: SQLiteStatement
        let deleteWebhooks, deleteTemplates, setAppKey, accountsWithSettings, accounts: SQLiteStatement
        let oldMails, oldAttempts, oldDeliveries, oldSends, mailsBeyond, mailAtPlace: SQLiteStatement

        init(_ c: SQLiteConnection) throws(WebhookError) {
            lastDelivery = try c.prepare("SELECT max(id) FROM deliveries WHERE account = ?1")
            cancel = try c.prepare("""
                UPDATE deliveries SET state = 'cancelled', next_attempt = NULL
                WHERE account = ?1 AND state = 'pending' AND (?2 IS NULL OR created < ?2) RETURNING id
                """)
            accountDeliveries = try c.prepare("""
                SELECT id, state, created FROM deliveries WHERE account = ?1 AND id > ?2 AND id <= ?3 ORDER BY id LIMIT ?4
                """)
            deleteAttempts = try c.prepare("DELETE FROM delivery_attempts WHERE delivery_id = ?1")
            deleteDelivery = try c.prepare("DELETE FROM deliveries WHERE id = ?1")
            lastMail = try c.prepare("SELECT max(id) FROM mails WHERE account = ?1")
            deleteMails = try c.prepare("""
                DELETE FROM mails WHERE id IN (
                    SELECT id FROM mails WHERE account = ?1 AND id <= ?2 AND (?3 IS NULL OR created < ?3) ORDER BY id LIMIT ?4)
                """)
            forgetSends = try c.prepare("DELETE FROM sends WHERE account = ?1 AND (?2 IS NULL OR created < ?2)")
            deleteWebhooks = try c.prepare("DELETE FROM webhooks WHERE id IN (SELECT id FROM webhooks WHERE account = ?1 ORDER BY id LIMIT ?2)")
            deleteTemplates = try c.prepare("DELETE FROM templates WHERE account = ?1")
            setAppKey = try c.prepare("""
                INSERT INTO accounts(name, app_key) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET app_key = excluded.app_key
                """)
            accountsWithSettings = try c.prepare("SELECT account FROM webhooks UNION SELECT account FROM templates ORDER BY 1")
            // The accounts that have mails, one index seek each (a skip scan) rather than a
            // read of the whole index.
            accounts = try c.prepare("""
                WITH RECURSIVE a(name) AS (SELECT min(account) FROM mails
                    UNION ALL SELECT (SELECT min(account) FROM mails WHERE account > a.name) FROM a WHERE a.name IS NOT NULL)
                SELECT name FROM a WHERE name IS NOT NULL
                """)
            oldMails = try c.prepare("DELETE FROM mails WHERE id IN (SELECT id FROM mails WHERE created < ?1 ORDER BY created, id LIMIT ?2)")
            let old = "SELECT id FROM deliveries WHERE created < ?1 AND state <> 'pending' ORDER BY created, id LIMIT ?2"
            oldAttempts = try c.prepare("DELETE FROM delivery_attempts WHERE delivery_id IN (\(old))")
            oldDeliveries = try c.prepare("DELETE FROM deliveries WHERE id IN (\(old))")
            oldSends = try c.prepare("""
                DELETE FROM sends WHERE (account, request_id) IN (SELECT account, request_id FROM sends WHERE created < ?1 LIMIT ?2)
                """)
            mailAtPlace = try c.prepare("SELECT id FROM mails WHERE account = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2")
            mailsBeyond = try c.prepare("""
                DELETE FROM mails WHERE id IN (SELECT id FROM mails WHERE account = ?1 AND id <= ?2 ORDER BY id LIMIT ?3)
                """)
        }
    }

    /// Runs `body` in one write transaction, under the lock, with the statements prepared on first use.
    func clearing<T>(_ body: (ClearingStatements) throws(WebhookError) -> T) throws(WebhookError) -> T {
        try withLock { () throws(WebhookError) -> T in
            let statements: ClearingStatements
            if let prepared = clearingStatementsIfPrepared {
                statements = prepared
            } else {
                statements = try ClearingStatements(connection)
                clearingStatementsIfPrepared = statements
            }
            return try writing { () throws(WebhookError) -> T in try body(statements) }
        }
    }

    public func clear(account: String, _ parts: Set<ResetPart>, before: Double?) throws(WebhookError) -> ClearedCounts {
        try Cutoff.check(parts, before: before)
        var counts = ClearedCounts(parts: parts)
        let cutoff: SQLiteValue = before.map { .real($0) } ?? .null
        if parts.contains(.deliveries) {
            // Pending deliveries first, in one transaction: once it commits, nothing of the
            // account that was due is pushed. They stay in the log, cancelled.
            let (through, cancelled) = try clearing { s throws(WebhookError) -> (Int, Set<Int>) in
                let through = try s.lastDelivery.bind(.text(account)).single { $0.isNull(0) ? 0 : $0.int(0) } ?? 0
                var cancelled: Set<Int> = []
                let rows = s.cancel.bind(.text(account), cutoff)
                while try rows.step() { cancelled.insert(rows.int(0)) }
                return (through, cancelled)
            }
            counts.cancelled = cancelled.count
            if !cancelled.isEmpty { counts.cancelledThrough = through }
            // Then what had settled before, a batch at a time: ids walk up to `through`, so a
            // delivery made meanwhile is not touched.
            var after = 0
            while after < through {
                let (last, deleted) = try clearing { s throws(WebhookError) -> (Int?, Int) in
                    var rows: [(id: Int, state: String, created: Double)] = []
                    let page = s.accountDeliveries.bind(.text(account), .integer(after), .integer(through), .integer(SQLiteStore.batch))
                    while try page.step() { rows.append((page.int(0), page.text(1), page.double(2))) }
                    var deleted = 0
                    for row in rows where row.state != DeliveryState.pending.rawValue && !cancelled.contains(row.id)
                        && (before.map { row.created < $0 } ?? true) {
                        try s.deleteAttempts.bind(.integer(row.id)).run()
                        try s.deleteDelivery.bind(.integer(row.id)).run()
                        deleted += 1
                    }
                    return (rows.last?.id, deleted)
                }
                counts.deliveries += deleted
                guard let last else { break }
                after = last
            }
        }
        if parts.contains(.mails) {
            let through = try clearing { s throws(WebhookError) -> Int in
                try s.forgetSends.bind(.text(account), cutoff).run()
                return try s.lastMail.bind(.text(account)).single { $0.isNull(0) ? 0 : $0.int(0) } ?? 0
            }
            while true {
                let deleted = try clearing { s throws(WebhookError) -> Int in
                    try s.deleteMails.bind(.text(account), .integer(through), cutoff, .integer(SQLiteStore.batch)).run()
                    return connection.changes
                }
                counts.mails += deleted
                if deleted < SQLiteStore.batch { break }
            }
        }
        if parts.contains(.webhooks) {
            while true {
                let deleted = try clearing { s throws(WebhookError) -> Int in
                    try s.deleteWebhooks.bind(.text(account), .integer(SQLiteStore.batch)).run()
                    let deleted = connection.changes
                    changed()
                    return deleted
                }
                counts.webhooks += deleted
                if deleted < SQLiteStore.batch { break }
            }
        }
        if parts.contains(.templates) {
            counts.templates = try clearing { s throws(WebhookError) -> Int in
                try s.deleteTemplates.bind(.text(account)).run()
                return connection.changes
            }
        }
        try forgetActivity(account: account, parts, before: before)
        return counts
    }

    public func setAppKey(account: String, _ key: String) throws(WebhookError) {
        try clearing { s throws(WebhookError) in
            try s.setAppKey.bind(.text(account), .text(try appKeySeal().seal(key))).run()
        }
    }

    public func accountsWithSettings() throws(WebhookError) -> [String] {
        try clearing { s throws(WebhookError) -> [String] in
            var names: [String] = []
            let rows = s.accountsWithSettings.reset()
            while try rows.step() { names.append(rows.text(0)) }
            return names
        }
    }

    /// On a connection of its own (`PruneSide`): in WAL mode readers never wait for its writes,
    /// and writers wait for one short transaction in SQLite's busy handler, not behind `lock`.
    public func prune(_ policy: RetentionPolicy, now: Double, limit: Int) throws(WebhookError) -> PruneCounts {
        try pruning.withLock { side throws(WebhookError) -> PruneCounts in
            if side == nil { side = try PruneSide(path: path) }
            return try side!.prune(policy, now: now, limit: limit)
        }
    }
}

/// Retention's connection to the store's file, and its statements.
final class PruneSide {
    let connection: SQLiteConnection
    let statements: SQLiteStore.ClearingStatements

    init(path: String) throws(WebhookError) {
        connection = try SQLiteConnection(path: path)
        try connection.execute("PRAGMA busy_timeout = \(SQLiteStore.busyTimeoutMilliseconds)")
        try connection.execute("PRAGMA synchronous = NORMAL")
        statements = try SQLiteStore.ClearingStatements(connection)
    }

    /// The activity log's retention, as `SQLiteStore.pruneActivity` does it, on this connection.
    var oldActivityIfPrepared: SQLiteStatement?

    func activityStatement() throws(WebhookError) -> SQLiteStatement {
        if let prepared = oldActivityIfPrepared { return prepared }
        let prepared = try connection.prepare("DELETE FROM activity WHERE id IN (SELECT id FROM activity WHERE time < ?1 ORDER BY id LIMIT ?2)")
        oldActivityIfPrepared = prepared
        return prepared
    }

    /// One write transaction.
    func transaction<T>(_ body: (SQLiteStore.ClearingStatements) throws(WebhookError) -> T) throws(WebhookError) -> T {
        try connection.execute("BEGIN IMMEDIATE")
        do throws(WebhookError) {
            let result = try body(statements)
            try connection.execute("COMMIT")
            return result
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    func prune(_ policy: RetentionPolicy, now: Double, limit: Int) throws(WebhookError) -> PruneCounts {
        var pruned = PruneCounts()
        if let maxAge = policy.maxAge {
            let cutoff = SQLiteValue.real(now - maxAge)
            pruned.mails += try transaction { s throws(WebhookError) -> Int in
                try s.oldMails.bind(cutoff, .integer(limit)).run()
                return connection.changes
            }
            pruned.deliveries = try transaction { s throws(WebhookError) -> Int in
                try s.oldAttempts.bind(cutoff, .integer(limit)).run()
                try s.oldDeliveries.bind(cutoff, .integer(limit)).run()
                return connection.changes
            }
            // The activity log that follows read (SQLiteStore+Activity.swift), older rows first.
            try transaction { _ throws(WebhookError) in
                try activityStatement().bind(cutoff, .integer(limit)).run()
            }
        }
        pruned.requestIDs = try transaction { s throws(WebhookError) -> Int in
            try s.oldSends.bind(.real(now - RetentionPolicy.requestIDSeconds), .integer(limit)).run()
            return connection.changes
        }
        if let keep = policy.mailsPerAccount {
            let accounts = try transaction { s throws(WebhookError) -> [String] in
                var names: [String] = []
                let rows = s.accounts.reset()
                while try rows.step() { names.append(rows.text(0)) }
                return names
            }
            for account in accounts {
                pruned.mails += try transaction { s throws(WebhookError) -> Int in
                    guard let last = try s.mailAtPlace.bind(.text(account), .integer(keep)).single({ $0.int(0) }) else { return 0 }
                    try s.mailsBeyond.bind(.text(account), .integer(last), .integer(limit)).run()
                    return connection.changes
                }
            }
        }
        return pruned
    }
}
