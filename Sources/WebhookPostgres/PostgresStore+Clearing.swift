import NIOCore
import PostgresNIO
import Synchronization
import WebhookCore
import WebhookStore
import WhsSupport

/// Reset, deletes and retention in PostgreSQL (schema step 4). As in SQLite, many rows go in
/// batches of short statements; a reset's cancel is one transaction, and it tells every node
/// (`NOTIFY whs_cancelled`) so that each drops the work of the account it has claimed.
extension PostgresStore: AsyncDataClearing {
    static let clearingBatch = 1000
    static let cancelledChannel = "whs_cancelled"

    public func clear(account: String, _ parts: Set<ResetPart>, before: Double?) async throws(WebhookError) -> ClearedCounts {
        try Cutoff.check(parts, before: before)
        var counts = ClearedCounts(parts: parts)
        let logger = PostgresStore.quiet
        let batch = PostgresStore.clearingBatch
        if parts.contains(.deliveries) {
            let (through, cancelled) = try await transaction { connection -> (Int, [Int]) in
                var through = 0
                for try await last in try await connection.query(
                    "SELECT coalesce(max(id), 0)::int8 FROM deliveries WHERE account = \(account)", logger: logger).decode(Int.self) {
                    through = last
                }
                var cancelled: [Int] = []
                // Cancelled deliveries leave the queue in the same statement (schema step 7).
                for try await id in try await connection.query("""
                    WITH cancelled AS (
                        UPDATE deliveries SET state = 'cancelled', next_attempt = NULL
                        WHERE account = \(account) AND state = 'pending' AND (\(before)::float8 IS NULL OR created < \(before))
                        RETURNING id
                    ), dequeued AS (
                        DELETE FROM delivery_queue WHERE id IN (SELECT id FROM cancelled)
                    )
                    SELECT id FROM cancelled
                    """, logger: logger).decode(Int.self) {
                    cancelled.append(id)
                }
                if !cancelled.isEmpty {
                    try await connection.query("SELECT pg_notify(\(PostgresStore.cancelledChannel), \(account))", logger: logger)
                }
                return (through, cancelled)
            }
            counts.cancelled = cancelled.count
            if !cancelled.isEmpty { counts.cancelledThrough = through }
            let kept = Set(cancelled)
            var after = 0
            while after < through {
                let cursor = after
                let (last, deleted) = try await call { client -> (Int?, Int) in
                    var doomed: [Int] = []
                    var last: Int?
                    for try await (id, state, created) in try await client.query("""
                        SELECT id, state, created FROM deliveries WHERE account = \(account) AND id > \(cursor) AND id <= \(through)
                        ORDER BY id LIMIT \(batch)
                        """, logger: logger).decode((Int, String, Double).self) {
                        last = id
                        if state != DeliveryState.pending.rawValue, !kept.contains(id), before.map({ created < $0 }) ?? true { doomed.append(id) }
                    }
                    guard !doomed.isEmpty else { return (last, 0) }
                    return (last, try await PostgresStore.count(client, """
                        WITH gone AS (DELETE FROM deliveries WHERE id = ANY(\(doomed)::bigint[]) AND state <> 'pending' RETURNING id),
                             attempts AS (DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM gone))
                        SELECT count(*) FROM gone
                        """))
                }
                counts.deliveries += deleted
                guard let last else { break }
                after = last
            }
        }
        if parts.contains(.mails) {
            let through = try await call { client -> Int in
                try await client.query("DELETE FROM sends WHERE account = \(account) AND (\(before)::float8 IS NULL OR created < \(before))",
                                       logger: logger)
                return try await PostgresStore.count(client, "SELECT coalesce(max(id), 0) FROM mails WHERE account = \(account)")
            }
            while true {
                let deleted = try await call { client in
                    try await PostgresStore.count(client, """
                        WITH gone AS (DELETE FROM mails WHERE id IN (
                            SELECT id FROM mails WHERE account = \(account) AND id <= \(through) AND (\(before)::float8 IS NULL OR created < \(before))
                            ORDER BY id LIMIT \(batch)) RETURNING 1)
                        SELECT count(*) FROM gone
                        """)
                }
                counts.mails += deleted
                if deleted < batch { break }
            }
        }
        if parts.contains(.webhooks) {
            while true {
                let deleted = try await call { client in
                    try await PostgresStore.count(client, """
                        WITH gone AS (DELETE FROM webhooks WHERE id IN (SELECT id FROM webhooks WHERE account = \(account) ORDER BY id LIMIT \(batch))
                                      RETURNING 1)
                        SELECT count(*) FROM gone
                        """)
                }
                counts.webhooks += deleted
                if deleted < batch { break }
            }
        }
        if parts.contains(.templates) {
            counts.templates = try await call { client in
                try await PostgresStore.count(client, "WITH gone AS (DELETE FROM templates WHERE account = \(account) RETURNING 1) SELECT count(*) FROM gone")
            }
        }
        try await forgetActivity(account: account, parts, before: before)
        return counts
    }

    public func setAppKey(account: String, _ key: String) async throws(WebhookError) {
        let sealed = try seal.seal(key)
        try await call { client in
            try await client.query("""
                INSERT INTO accounts(name, app_key) VALUES (\(account), \(sealed)) ON CONFLICT (name) DO UPDATE SET app_key = excluded.app_key
                """, logger: PostgresStore.quiet)
        }
    }

    public func accountsWithSettings() async throws(WebhookError) -> [String] {
        try await call { client -> [String] in
            var names: [String] = []
            for try await name in try await client.query("SELECT account FROM webhooks UNION SELECT account FROM templates ORDER BY 1",
                                                         logger: PostgresStore.quiet).decode(String.self) {
                names.append(name)
            }
            return names
        }
    }

    /// Each kind of row in one statement of at most `limit` rows; deliveries a node is
    /// attempting are locked by nobody but pending, and pending ones are never pruned.
    public func prune(_ policy: RetentionPolicy, now: Double, limit: Int) async throws(WebhookError) -> PruneCounts {
        var pruned = PruneCounts()
        if let maxAge = policy.maxAge {
            let cutoff = now - maxAge
            pruned.mails = try await call { client in
                try await PostgresStore.count(client, """
                    WITH gone AS (DELETE FROM mails WHERE id IN (SELECT id FROM mails WHERE created < \(cutoff) ORDER BY created LIMIT \(limit))
                                  RETURNING 1)
                    SELECT count(*) FROM gone
                    """)
            }
            pruned.deliveries = try await call { client in
                try await PostgresStore.count(client, """
                    WITH doomed AS (SELECT id FROM deliveries WHERE created < \(cutoff) AND state <> 'pending' ORDER BY created LIMIT \(limit)
                                    FOR UPDATE SKIP LOCKED),
                         gone AS (DELETE FROM deliveries WHERE id IN (SELECT id FROM doomed) RETURNING id),
                         attempts AS (DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM gone))
                    SELECT count(*) FROM gone
                    """)
            }
            try await pruneActivity(before: cutoff, limit: limit)
        }
        let forgotten = now - RetentionPolicy.requestIDSeconds
        pruned.requestIDs = try await call { client in
            try await PostgresStore.count(client, """
                WITH gone AS (DELETE FROM sends WHERE (account, request_id) IN (
                    SELECT account, request_id FROM sends WHERE created < \(forgotten) LIMIT \(limit)) RETURNING 1)
                SELECT count(*) FROM gone
                """)
        }
        if let keep = policy.mailsPerAccount {
            let accounts = try await call { client -> [String] in
                var names: [String] = []
                // The accounts that have mails, one index seek each (a skip scan).
                for try await name in try await client.query("""
                    WITH RECURSIVE a(name) AS (SELECT min(account) FROM mails
                        UNION ALL SELECT (SELECT min(account) FROM mails WHERE account > a.name) FROM a WHERE a.name IS NOT NULL)
                    SELECT name FROM a WHERE name IS NOT NULL
                    """, logger: PostgresStore.quiet).decode(String.self) {
                    names.append(name)
                }
                return names
            }
            for account in accounts {
                pruned.mails += try await call { client in
                    try await PostgresStore.count(client, """
                        WITH edge AS (SELECT id FROM mails WHERE account = \(account) ORDER BY id DESC OFFSET \(keep) LIMIT 1),
                             gone AS (DELETE FROM mails WHERE id IN (
                                 SELECT id FROM mails WHERE account = \(account) AND id <= (SELECT id FROM edge) ORDER BY id LIMIT \(limit))
                                 RETURNING 1)
                        SELECT count(*) FROM gone
                        """)
                }
            }
        }
        return pruned
    }

    /// A session-level advisory lock, held by one connection of the pool set aside in the
    /// background until `release`: other nodes asking for it wait (`seed`) or pass (`prune`).
    /// A node that dies loses its session, and the lock with it.
    public func hold(_ lock: StoreLock, waiting: Bool) async throws(WebhookError) -> HeldStoreLock? {
        let key = switch lock {
        case .seed: PostgresSchema.lockKey + 1
        case .prune: PostgresSchema.lockKey + 2
        }
        let gate = LockGate()
        let client = self.client
        Task(executorPreference: PostgresStore.background) {
            do {
                try await client.withConnection { connection in
                    var held = false
                    if waiting {
                        try await connection.query("SELECT pg_advisory_lock(\(key))", logger: PostgresStore.quiet)
                        held = true
                    } else {
                        for try await got in try await connection.query("SELECT pg_try_advisory_lock(\(key))", logger: PostgresStore.quiet)
                            .decode(Bool.self) {
                            held = got
                        }
                    }
                    gate.acquired(held)
                    guard held else { return }
                    await gate.released()
                    _ = try? await connection.query("SELECT pg_advisory_unlock(\(key))", logger: PostgresStore.quiet)
                }
            } catch {
                gate.failed(error)
            }
        }
        let location = self.location
        do {
            guard try await gate.acquisition() else { return nil }
        } catch {
            throw PostgresStore.described(error, location)
        }
        return HeldStoreLock { gate.release() }
    }

    public func onDeliveriesCancelled(_ action: @escaping @Sendable (String) -> Void) {
        listeners.withLock { $0.cancelled.append(action) }
    }

    /// The one number a statement answers (a count).
    static func count(_ client: PostgresClient, _ query: PostgresQuery) async throws -> Int {
        var found = 0
        for try await number in try await client.query(query, logger: quiet).decode(Int.self) { found = number }
        return found
    }
}

/// Between the task that holds a lock's connection and the caller: whether the lock was got,
/// and when to give it back.
final class LockGate: Sendable {
    private struct State {
        var outcome: Result<Bool, any Error>?
        var waiter: CheckedContinuation<Bool, any Error>?
        var releasedEarly = false
        var holder: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    func acquired(_ held: Bool) { settle(.success(held)) }
    func failed(_ error: any Error) { settle(.failure(error)) }

    private func settle(_ outcome: Result<Bool, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, any Error>? in
            if state.outcome != nil { return nil }
            state.outcome = outcome
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: outcome)
    }

    func acquisition() async throws -> Bool {
        try await withCheckedThrowingContinuation { continuation in
            let ready = state.withLock { state -> Result<Bool, any Error>? in
                if let outcome = state.outcome { return outcome }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    /// The holder waits here until `release`.
    func released() async {
        await withCheckedContinuation { continuation in
            let early = state.withLock { state -> Bool in
                if state.releasedEarly { return true }
                state.holder = continuation
                return false
            }
            if early { continuation.resume() }
        }
    }

    func release() {
        let holder = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.releasedEarly = true
            defer { state.holder = nil }
            return state.holder
        }
        holder?.resume()
    }
}
