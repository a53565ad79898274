import NIOCore
import PostgresNIO
import WebhookCore
import WebhookStore
import WhsSupport

/// The delivery log in PostgreSQL, and the claims by which nodes share its work.
extension PostgresStore: AsyncDeliveryStore, DeliveryClaims {
    static let deliveryColumns = "id, webhook_id, url, event, message_id, state, next_attempt, created, fault"

    public func appKey(account: String) async throws(WebhookError) -> String {
        let fresh = try seal.seal(KeyHash.newAppKey())
        // Whichever node makes the account first wins; every node reads back the same key.
        let stored = try await call { client -> String? in
            try await client.query("INSERT INTO accounts(name, app_key) VALUES (\(account), \(fresh)) ON CONFLICT (name) DO NOTHING",
                                   logger: PostgresStore.quiet)
            for try await key in try await client.query("SELECT app_key FROM accounts WHERE name = \(account)", logger: PostgresStore.quiet).decode(String.self) {
                return key
            }
            return nil
        }
        guard let stored, let key = try seal.open(stored, account: account) else { throw .storage("account \(account) has no app key") }
        return key
    }

    public func subscribers(account: String, events: EventSet) async throws(WebhookError) -> [Webhook] {
        try await pinned(retry: true) { connection -> [Webhook] in
            var found: [Webhook] = []
            for try await webhook in try await connection.execute(SubscribersStatement(account: account, mask: events.mask), logger: PostgresStore.quiet) {
                found.append(webhook)
            }
            return found
        }
    }

    public func insertDeliveries(account: String, webhooks: [Webhook], event: EventType, messageID: String,
                                 payload: [UInt8], at time: Double) async throws(WebhookError) -> [Delivery] {
        try await insertDeliveries(account: account, webhooks: webhooks, event: event, messageID: messageID, payload: payload, at: time,
                                   leasing: 0, to: "", lease: 0)?.deliveries ?? []
    }

    /// The trigger's one statement, its first `limit` queue rows written already leased to `node`.
    public func insertDeliveries(account: String, webhooks: [Webhook], event: EventType, messageID: String, payload: [UInt8], at time: Double,
                                 leasing limit: Int, to node: String, lease: Double) async throws(WebhookError) -> LeasedInsert? {
        guard !webhooks.isEmpty else { return LeasedInsert(deliveries: [], leased: 0) }
        let statement = InsertDeliveriesStatement(account: account, webhooks: webhooks.map(\.id), urls: webhooks.map(\.url), event: event.code,
                                                  messageID: messageID, payload: ByteBuffer(bytes: payload), time: time,
                                                  leasing: max(0, limit), node: node, lease: lease)
        let made = try await pinned { connection -> [Int: Int] in
            var made: [Int: Int] = [:]
            made.reserveCapacity(webhooks.count)
            for try await (ids, madeFor) in try await connection.execute(statement, logger: PostgresStore.quiet) {
                for (id, webhook) in zip(ids, madeFor) { made[webhook] = id }
            }
            return made
        }
        let deliveries = webhooks.compactMap { webhook in
            made[webhook.id].map {
                Delivery(id: $0, webhookID: webhook.id, url: webhook.url, event: event, messageID: messageID, state: .pending,
                         attempts: [], nextAttempt: time, created: time)
            }
        }.sorted { $0.id < $1.id }
        return LeasedInsert(deliveries: deliveries, leased: min(max(0, limit), deliveries.count))
    }

    public func copyDelivery(account: String, id: Int, at time: Double) async throws(WebhookError) -> Delivery {
        let copied = try await transaction { connection -> Delivery? in
            var copy: Delivery?
            for try await row in try await connection.query("""
                WITH copy AS (
                    INSERT INTO deliveries(account, webhook_id, url, event, message_id, payload, state, next_attempt, created, mail_id)
                    SELECT account, webhook_id, url, event, message_id, payload, 'pending', \(time), \(time), mail_id FROM deliveries
                    WHERE account = \(account) AND id = \(id)
                    RETURNING \(unescaped: PostgresStore.deliveryColumns)
                ), queued AS (
                    INSERT INTO delivery_queue(id, next_attempt) SELECT id, next_attempt FROM copy
                )
                SELECT * FROM copy
                """, logger: PostgresStore.quiet) {
                copy = try PostgresStore.delivery(row)
            }
            try await connection.query("SELECT pg_notify(\(PostgresStore.queuedChannel), '')", logger: PostgresStore.quiet)
            return copy
        }
        guard let copied else { throw .deliveryNotFound(id: id) }
        return copied
    }

    /// Attempts as a batch (`RecordAttemptsStatement`): one statement whatever the batch's size.
    /// Running it twice changes nothing more, so a broken connection is replaced and it runs again.
    public func recordAttempts(_ records: [AttemptRecord]) async throws(WebhookError) {
        guard !records.isEmpty else { return }
        try await pinned(retry: true) { connection in
            _ = try await connection.execute(RecordAttemptsStatement(records: records), logger: PostgresStore.quiet)
        }
    }

    public func outgoing(deliveryID: Int) async throws(WebhookError) -> OutgoingDelivery? {
        try await pinned(retry: true) { connection -> OutgoingDelivery? in
            for try await outgoing in try await connection.execute(OutgoingStatement(id: deliveryID), logger: PostgresStore.quiet) {
                return outgoing
            }
            return nil
        }
    }

    /// `failing_first=true`: failed, or pending after a failed attempt, before the rest; only
    /// then, so that the usual listing keeps ordering by the index alone.
    static let failingFirstOrder = "CASE WHEN state = 'failed' OR (state = 'pending' AND attempts > 0) THEN 0 ELSE 1 END, id DESC"

    public func deliveries(account: String, _ query: DeliveryQuery) async throws(WebhookError) -> [Delivery] {
        try await pinned(retry: true) { connection -> [Delivery] in
            var found: [Delivery] = []
            let page = DeliveriesStatement(account: account, query: query)
            if query.failingFirst {
                for try await delivery in try await connection.execute(DeliveriesStatement.FailingFirst(page: page), logger: PostgresStore.quiet) {
                    found.append(delivery)
                }
            } else {
                for try await delivery in try await connection.execute(page, logger: PostgresStore.quiet) { found.append(delivery) }
            }
            found.reverse()
            let withAttempts = try await PostgresStore.withAttempts(found, connection)
            return query.failingFirst ? query.arranged(newestFirst: withAttempts.reversed()) : withAttempts
        }
    }

    /// The deliveries with their attempts, read in one query.
    static func withAttempts(_ deliveries: [Delivery], _ connection: PostgresConnection) async throws -> [Delivery] {
        guard !deliveries.isEmpty else { return deliveries }
        var found = deliveries
        var positions: [Int: Int] = [:]
        for (position, delivery) in found.enumerated() { positions[delivery.id] = position }
        for try await (id, attempt) in try await connection.execute(AttemptsStatement(deliveries: found.map(\.id)), logger: quiet) {
            guard let position = positions[id] else { continue }
            found[position].attempts.append(attempt)
        }
        return found
    }

    public func pendingDeliveries() async throws(WebhookError) -> [PendingDelivery] {
        try await call { client -> [PendingDelivery] in
            var found: [PendingDelivery] = []
            for try await (id, due, after, attempts) in try await client.query(
                """
                SELECT q.id, q.next_attempt, q.after_id, d.attempts FROM delivery_queue q JOIN deliveries d ON d.id = q.id
                ORDER BY q.next_attempt, q.id
                """,
                logger: PostgresStore.quiet
            ).decode((Int, Double?, Int?, Int).self) {
                found.append(PendingDelivery(id: id, due: due ?? 0, after: after, attemptsMade: attempts))
            }
            return found
        }
    }

    // MARK: claims

    /// `ClaimStatement`. Not run twice: a claim whose answer was lost leaves its rows leased
    /// until the lease runs out, and then any node takes them.
    public func claim(node: String, limit: Int, lease: Double) async throws(WebhookError) -> [ClaimedDelivery] {
        try await pinned { connection -> [ClaimedDelivery] in
            var claimed: [ClaimedDelivery] = []
            for try await delivery in try await connection.execute(ClaimStatement(node: node, limit: limit, lease: lease), logger: PostgresStore.quiet) {
                claimed.append(delivery)
            }
            return claimed.sorted { $0.id < $1.id }
        }
    }

    public func release(_ ids: [Int], node: String) async throws(WebhookError) {
        guard !ids.isEmpty else { return }
        try await pinned(retry: true) { connection in
            // Only this node's leases: one that ran out meanwhile may be another node's now.
            try await connection.query("UPDATE delivery_queue SET lease_node = NULL, lease_until = NULL WHERE id = ANY(\(ids)) AND lease_node = \(node)",
                                       logger: PostgresStore.quiet)
            try await connection.query("SELECT pg_notify(\(PostgresStore.queuedChannel), '')", logger: PostgresStore.quiet)
        }
    }

    public func nextDue() async throws(WebhookError) -> Double? {
        try await pinned(retry: true) { connection -> Double? in
            for try await (due, now) in try await connection.execute(NextDueStatement(), logger: PostgresStore.quiet) {
                // In this process's clock: the wait is what matters.
                return due.map { Clock.now() + ($0 - now) }
            }
            return nil
        }
    }
}

extension PostgresStore {
    /// A row of `deliveryColumns`.
    static func delivery(_ row: PostgresRow) throws -> Delivery {
        var cells = Cells(row)
        let id = try cells.next(Int.self), webhookID = try cells.next(Int.self), url = try cells.next(String.self), event = try cells.next(Int.self)
        let messageID = try cells.next(String.self), state = try cells.next(String.self), next = try cells.next(Double?.self)
        let created = try cells.next(Double.self), fault = try cells.next(String?.self)
        return Delivery(id: id, webhookID: webhookID, url: url, event: EventType.withCode(event) ?? EventType.all[0], messageID: messageID,
                        state: DeliveryState(rawValue: state) ?? .failed, attempts: [], nextAttempt: next, created: created,
                        fault: fault.flatMap(DeliveryFault.init(rawValue:)))
    }
}
