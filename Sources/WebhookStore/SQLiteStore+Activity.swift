import CSQLite
import WebhookCore
import WhsSupport

/// The activity log in SQLite (schema step 7): rows written by triggers, read here with what
/// they refer to. One writer at a time, so a row's id is its place: a reader takes the rows
/// after the last id it saw. The statements are prepared per read: a follow reads a few times
/// a second, and the store's own statement sets stay as they are.
extension SQLiteStore: ActivityLog, AsyncActivityLog {
    public func activity(account: String, after position: ActivityPosition, limit: Int) throws(WebhookError) -> ActivityPage {
        try withLock { () throws(WebhookError) -> ActivityPage in
            let rows = try connection.prepare("SELECT id, kind, ref, number FROM activity WHERE account = ?1 AND id > ?2 ORDER BY id LIMIT ?3")
                .bind(.text(account), .integer(position.id), .integer(max(1, limit)))
            var found: [(id: Int, kind: Int, ref: Int, number: Int)] = []
            while try rows.step() { found.append((rows.int(0), rows.int(1), rows.int(2), rows.int(3))) }
            guard !found.isEmpty else { return ActivityPage(entries: [], end: position, full: false) }
            let mails = try mailStatements()
            let delivery = try connection.prepare("""
                SELECT id, webhook_id, url, event, message_id, state, next_attempt, created, fault, attempts FROM deliveries WHERE id = ?1
                """)
            let attempt = try connection.prepare("""
                SELECT number, time, status, latency_ms, error FROM delivery_attempts WHERE delivery_id = ?1 AND number = ?2
                """)
            var entries: [ActivityEntry] = []
            for row in found {
                let place = ActivityPosition(id: row.id)
                switch ActivityKind(rawValue: row.kind) {
                case .mail?:
                    if let mail = try mails.mail.bind(.text(account), .integer(row.ref)).single(Self.mail(from:)) {
                        entries.append(ActivityEntry(position: place, item: .mail(mail)))
                    }
                case .engagement?:
                    if let mail = try mails.mail.bind(.text(account), .integer(row.ref)).single(Self.mail(from:)), mail.events.indices.contains(row.number) {
                        entries.append(ActivityEntry(position: place, item: .engagement(mail, mail.events[row.number])))
                    }
                case .attempt?:
                    guard let (found, made) = try delivery.bind(.integer(row.ref)).single({ (self.delivery(from: $0), $0.int(9)) }),
                          let logged = try attempt.bind(.integer(row.ref), .integer(row.number)).single({ row in
                              DeliveryAttempt(number: row.int(0), time: row.double(1), status: row.isNull(2) ? nil : row.int(2),
                                              latencyMilliseconds: row.double(3), error: row.isNull(4) ? nil : row.text(4))
                          }) else { continue }
                    entries.append(ActivityEntry(position: place, item: .attempt(found, logged, latest: logged.number >= made)))
                case nil:
                    continue
                }
            }
            return ActivityPage(entries: entries, end: ActivityPosition(id: found[found.count - 1].id), full: found.count >= limit)
        }
    }

    public func activityEnd() throws(WebhookError) -> ActivityPosition {
        try withLock { () throws(WebhookError) -> ActivityPosition in
            ActivityPosition(id: try connection.integer("SELECT coalesce(max(id), 0) FROM activity"))
        }
    }
}

extension SQLiteStore {
    /// A reset's share of the activity log: the account's rows of the parts cleared (older
    /// than `before` when given). Readers pass over rows whose mail or delivery is gone; this
    /// keeps the table from growing with them.
    func forgetActivity(account: String, _ parts: Set<ResetPart>, before: Double?) throws(WebhookError) {
        let kinds = ResetPart.activityKinds(parts).map(\.rawValue).sorted()
        guard !kinds.isEmpty else { return }
        try withLock { () throws(WebhookError) in
            try connection.prepare("""
                DELETE FROM activity WHERE account = ?1 AND kind IN (\(kinds.map(String.init).joined(separator: ", "))) AND (?2 IS NULL OR time < ?2)
                """).bind(.text(account), before.map { .real($0) } ?? .null).run()
        }
    }

    /// Retention's share: up to `limit` rows older than `time`, the oldest ids first (ids grow
    /// with time, so no index on time is needed).
    func pruneActivity(before time: Double, limit: Int) throws(WebhookError) {
        try withLock { () throws(WebhookError) in
            try connection.prepare("DELETE FROM activity WHERE id IN (SELECT id FROM activity WHERE time < ?1 ORDER BY id LIMIT ?2)")
                .bind(.real(time), .integer(limit)).run()
        }
    }
}

/// Deliveries by state for metrics: a count of the whole log (every account), grouped.
extension SQLiteStore: DeliveryCensus {
    public func deliveryCounts(leasedBy node: String?) throws(WebhookError) -> DeliveryCounts {
        try withLock { () throws(WebhookError) -> DeliveryCounts in
            let rows = try connection.prepare("SELECT state, count(*) FROM deliveries GROUP BY state")
            var counts: [DeliveryState: Int] = [:]
            while try rows.step() {
                if let state = DeliveryState(rawValue: rows.text(0)) { counts[state] = rows.int(1) }
            }
            return DeliveryCounts(byState: counts)
        }
    }
}
