import NIOCore
import PostgresNIO
import WebhookCore
import WhsSupport

/// The activity log in PostgreSQL (written by the triggers of its migration), read by any node:
/// a follow on one node sees what every node did. A position is (transaction, id); a read takes
/// only rows of transactions older than the oldest one still open (`txid_snapshot_xmin`), so a
/// row can never appear behind a position a reader has passed: no gaps, even though ids are
/// handed out before their transactions commit.
extension PostgresStore: AsyncActivityLog, DeliveryCensus {
    public func activity(account: String, after position: ActivityPosition, limit: Int) async throws(WebhookError) -> ActivityPage {
        try await call { client -> ActivityPage in
            let logger = PostgresStore.quiet
            var rows: [(tx: Int, id: Int, kind: Int, ref: Int, number: Int)] = []
            for try await row in try await client.query("""
                SELECT tx, id, kind, ref, number FROM activity
                WHERE account = \(account) AND (account, tx, id) > (\(account), \(position.transaction), \(position.id))
                  AND tx < txid_snapshot_xmin(txid_current_snapshot())
                ORDER BY tx, id LIMIT \(max(1, limit))
                """, logger: logger).decode((Int, Int, Int, Int, Int).self) {
                rows.append(row)
            }
            guard let last = rows.last else { return ActivityPage(entries: [], end: position, full: false) }
            let mailIDs = Array(Set(rows.filter { $0.kind != ActivityKind.attempt.rawValue }.map(\.ref)))
            var mails: [Int: MailRecord] = [:]
            if !mailIDs.isEmpty {
                for try await row in try await client.query(
                    "SELECT \(unescaped: PostgresStore.mailColumns) FROM mails WHERE account = \(account) AND id = ANY(\(mailIDs)::bigint[])", logger: logger) {
                    let mail = try PostgresStore.mail(row)
                    mails[mail.id] = mail
                }
            }
            let attempts = rows.filter { $0.kind == ActivityKind.attempt.rawValue }
            var pushes: [Key: (Delivery, DeliveryAttempt, Bool)] = [:]
            if !attempts.isEmpty {
                for try await row in try await client.query("""
                    SELECT d.id, d.webhook_id, d.url, d.event, d.message_id, d.state, d.next_attempt, d.created, d.fault, d.attempts,
                           a.number, a.time, a.status, a.latency_ms, a.error, a.node
                    FROM unnest(\(attempts.map(\.ref))::bigint[], \(attempts.map(\.number))::int[]) AS w(d, n)
                    JOIN deliveries d ON d.id = w.d AND d.account = \(account)
                    JOIN delivery_attempts a ON a.delivery_id = w.d AND a.number = w.n
                    """, logger: logger) {
                    let c = row.makeRandomAccess()
                    let delivery = Delivery(
                        id: try c[0].decode(Int.self), webhookID: try c[1].decode(Int.self), url: try c[2].decode(String.self),
                        event: EventType.withCode(try c[3].decode(Int.self)) ?? EventType.all[0], messageID: try c[4].decode(String.self),
                        state: DeliveryState(rawValue: try c[5].decode(String.self)) ?? .failed, attempts: [],
                        nextAttempt: try c[6].decode(Double?.self), created: try c[7].decode(Double.self),
                        fault: try c[8].decode(String?.self).flatMap(DeliveryFault.init(rawValue:)))
                    let made = try c[9].decode(Int.self)
                    let attempt = DeliveryAttempt(number: try c[10].decode(Int.self), time: try c[11].decode(Double.self),
                                                  status: try c[12].decode(Int?.self), latencyMilliseconds: try c[13].decode(Double.self),
                                                  error: try c[14].decode(String?.self), node: try c[15].decode(String?.self))
                    pushes[Key(ref: delivery.id, number: attempt.number)] = (delivery, attempt, attempt.number >= made)
                }
            }
            var entries: [ActivityEntry] = []
            for row in rows {
                let place = ActivityPosition(transaction: row.tx, id: row.id)
                switch ActivityKind(rawValue: row.kind) {
                case .mail?:
                    if let mail = mails[row.ref] { entries.append(ActivityEntry(position: place, item: .mail(mail))) }
                case .engagement?:
                    if let mail = mails[row.ref], mail.events.indices.contains(row.number) {
                        entries.append(ActivityEntry(position: place, item: .engagement(mail, mail.events[row.number])))
                    }
                case .attempt?:
                    if let (delivery, attempt, latest) = pushes[Key(ref: row.ref, number: row.number)] {
                        entries.append(ActivityEntry(position: place, item: .attempt(delivery, attempt, latest: latest)))
                    }
                case nil:
                    continue
                }
            }
            return ActivityPage(entries: entries, end: ActivityPosition(transaction: last.tx, id: last.id), full: rows.count >= limit)
        }
    }

    /// Before every transaction still open, after every one that is not: rows of a transaction
    /// open now, committing later, are read by the follow that starts here.
    public func activityEnd() async throws(WebhookError) -> ActivityPosition {
        try await call { client -> ActivityPosition in
            for try await xmin in try await client.query("SELECT txid_snapshot_xmin(txid_current_snapshot())", logger: PostgresStore.quiet).decode(Int.self) {
                return ActivityPosition(transaction: xmin, id: 0)
            }
            return .origin
        }
    }

    public func deliveryCounts(leasedBy node: String?) async throws(WebhookError) -> DeliveryCounts {
        try await call { client -> DeliveryCounts in
            var counts: [DeliveryState: Int] = [:]
            var leased = 0
            for try await (state, count, held) in try await client.query("""
                SELECT state, count(*), 0::int8 FROM deliveries GROUP BY state
                UNION ALL
                SELECT 'leased', 0::int8, count(*) FROM delivery_queue
                WHERE lease_node = \(node ?? "") AND lease_until > extract(epoch FROM clock_timestamp())
                """, logger: PostgresStore.quiet).decode((String, Int, Int).self) {
                if let known = DeliveryState(rawValue: state) { counts[known] = count }
                leased += held
            }
            return DeliveryCounts(byState: counts, leased: leased)
        }
    }

    /// A reset's share of the activity log, as the SQLite store's.
    func forgetActivity(account: String, _ parts: Set<ResetPart>, before: Double?) async throws(WebhookError) {
        let kinds = (parts.contains(.mails) ? [ActivityKind.mail.rawValue, ActivityKind.engagement.rawValue] : [])
            + (parts.contains(.deliveries) ? [ActivityKind.attempt.rawValue] : [])
        guard !kinds.isEmpty else { return }
        try await call { client in
            _ = try await client.query("""
                DELETE FROM activity WHERE account = \(account) AND kind = ANY(\(kinds)::int[]) AND (\(before)::float8 IS NULL OR time < \(before))
                """, logger: PostgresStore.quiet)
        }
    }

    /// Retention's share: up to `limit` rows older than `time`, the oldest ids first.
    func pruneActivity(before time: Double, limit: Int) async throws(WebhookError) {
        try await call { client in
            _ = try await client.query("""
                DELETE FROM activity WHERE id IN (SELECT id FROM activity WHERE time < \(time) ORDER BY id LIMIT \(limit))
                """, logger: PostgresStore.quiet)
        }
    }

    struct Key: Hashable {
        let ref: Int
        let number: Int
    }
}

extension PostgresShellStore: ActivityLog {
    public func activity(account: String, after position: ActivityPosition, limit: Int) throws(WebhookError) -> ActivityPage {
        try wait { s throws(WebhookError) in try await s.activity(account: account, after: position, limit: limit) }
    }

    public func activityEnd() throws(WebhookError) -> ActivityPosition {
        try wait { s throws(WebhookError) in try await s.activityEnd() }
    }
}
