import WebhookCore
import WhsSupport

/// The activity log in memory: rows in id order, as the SQLite store's triggers write them.
struct ActivityRows {
    struct Row {
        let id: Int
        let account: String
        let kind: ActivityKind
        let ref: Int
        let number: Int
        let time: Double
    }

    private(set) var rows: [Row] = []
    private(set) var lastID = 0

    mutating func add(account: String, _ kind: ActivityKind, ref: Int, number: Int, time: Double) {
        lastID += 1
        rows.append(Row(id: lastID, account: account, kind: kind, ref: ref, number: number, time: time))
    }

    /// Forgets an account's rows of `kinds` (a reset of its mails or deliveries), only those
    /// older than `before` when it is given.
    mutating func forget(account: String, kinds: Set<ActivityKind>, before: Double?) {
        rows.removeAll { row in row.account == account && kinds.contains(row.kind) && (before.map { row.time < $0 } ?? true) }
    }

    /// Forgets up to `limit` rows older than `time` (retention).
    mutating func prune(before time: Double, limit: Int) {
        var removed = 0
        rows.removeAll { row in
            guard removed < limit, row.time < time else { return false }
            removed += 1
            return true
        }
    }

    /// The first row after `id`: ids only grow, so the rows are in order.
    func start(after id: Int) -> Int {
        var low = 0, high = rows.count
        while low < high {
            let middle = (low + high) / 2
            if rows[middle].id <= id { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

extension MemoryStore: ActivityLog, AsyncActivityLog {
    public func activity(account: String, after position: ActivityPosition, limit: Int) throws(WebhookError) -> ActivityPage {
        state.withLock { state in
            var entries: [ActivityEntry] = []
            var end = position
            var read = 0
            let first = state.activity.start(after: position.id)
            var index = first
            while index < state.activity.rows.count, read < limit {
                let row = state.activity.rows[index]
                index += 1
                guard row.account == account else { continue }
                read += 1
                end = ActivityPosition(id: row.id)
                switch row.kind {
                case .mail:
                    if let at = state.mailIndex(row.ref) { entries.append(ActivityEntry(position: end, item: .mail(state.mails[at].record))) }
                case .engagement:
                    if let at = state.mailIndex(row.ref), state.mails[at].record.events.indices.contains(row.number) {
                        let mail = state.mails[at].record
                        entries.append(ActivityEntry(position: end, item: .engagement(mail, mail.events[row.number])))
                    }
                case .attempt:
                    guard let at = state.deliveryIndex(row.ref) else { continue }
                    var delivery = state.deliveries[at].delivery
                    guard let attempt = delivery.attempts.last(where: { $0.number == row.number }) else { continue }
                    let latest = attempt.number >= (delivery.attempts.last?.number ?? 0)
                    delivery.attempts = []
                    entries.append(ActivityEntry(position: end, item: .attempt(delivery, attempt, latest: latest)))
                }
            }
            // Rows of other accounts passed over count as read too: the next read starts after them.
            if index > first { end = ActivityPosition(id: state.activity.rows[index - 1].id) }
            return ActivityPage(entries: entries, end: end, full: read >= limit)
        }
    }

    public func activityEnd() throws(WebhookError) -> ActivityPosition {
        state.withLock { ActivityPosition(id: $0.activity.lastID) }
    }
}

extension MemoryStore: DeliveryCensus {
    public func deliveryCounts(leasedBy node: String?) throws(WebhookError) -> DeliveryCounts {
        state.withLock { state in
            var counts: [DeliveryState: Int] = [:]
            for entry in state.deliveries { counts[entry.delivery.state, default: 0] += 1 }
            return DeliveryCounts(byState: counts)
        }
    }
}

extension ResetPart {
    /// The rows of the activity log that go with a part of an account's data.
    static func activityKinds(_ parts: Set<ResetPart>) -> Set<ActivityKind> {
        var kinds: Set<ActivityKind> = []
        if parts.contains(.mails) { kinds.formUnion([.mail, .engagement]) }
        if parts.contains(.deliveries) { kinds.insert(.attempt) }
        return kinds
    }
}
