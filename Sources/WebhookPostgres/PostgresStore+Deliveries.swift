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
        try await call { client -> [Webhook] in
            var found: [Webhook] = []
            for try await (id, url, mask, apiUser) in try await client.query(
                "SELECT id, url, events, api_user FROM webhooks WHERE account = \(account) AND events & \(events.mask) <> 0 ORDER BY id",
                logger: PostgresStore.quiet
            ).decode((Int, String, Int, String).self) {
                found.append(Webhook(id: id, url: url, events: EventSet(mask: mask), apiUser: apiUser))
            }
            return found
        }
    }

    public func insertDeliveries(account: String, webhooks: [Webhook], event: EventType, messageID: String,
                                 payload: [UInt8], at time: Double) async throws(WebhookError) -> [Delivery] {
        guard !webhooks.isEmpty else { return [] }
        let ids = webhooks.map(\.id), urls = webhooks.map(\.url)
        let made = try await transaction { connection -> [Int: Int] in
            var made: [Int: Int] = [:]
            for try await (id, webhook) in try await connection.query("""
                INSERT INTO deliveries(account, webhook_id, url, event, message_id, payload, state, next_attempt, created)
                SELECT \(account), w, u, \(event.code), \(messageID), \(ByteBuffer(bytes: payload)), 'pending', \(time), \(time)
                FROM unnest(\(ids)::bigint[], \(urls)::text[]) AS t(w, u)
                RETURNING id, webhook_id
                """, logger: PostgresStore.quiet).decode((Int, Int).self) {
                made[webhook] = id
            }
            try await connection.query("SELECT pg_notify(\(PostgresStore.queuedChannel), '')", logger: PostgresStore.quiet)
            return made
        }
        return webhooks.compactMap { webhook in
            made[webhook.id].map {
                Delivery(id: $0, webhookID: webhook.id, url: webhook.url, event: event, messageID: messageID, state: .pending,
                         attempts: [], nextAttempt: time, created: time)
            }
        }.sorted { $0.id < $1.id }
    }

    public func copyDelivery(account: String, id: Int, at time: Double) async throws(WebhookError) -> Delivery {
        let copied = try await transaction { connection -> Delivery? in
            var copy: Delivery?
            for try await row in try await connection.query("""
                INSERT INTO deliveries(account, webhook_id, url, event, message_id, payload, state, next_attempt, created, mail_id)
                SELECT account, webhook_id, url, event, message_id, payload, 'pending', \(time), \(time), mail_id FROM deliveries
                WHERE account = \(account) AND id = \(id)
                RETURNING \(unescaped: PostgresStore.deliveryColumns)
                """, logger: PostgresStore.quiet) {
                copy = try PostgresStore.delivery(row)
            }
            try await connection.query("SELECT pg_notify(\(PostgresStore.queuedChannel), '')", logger: PostgresStore.quiet)
            return copy
        }
        guard let copied else { throw .deliveryNotFound(id: id) }
        return copied
    }

    /// Attempts as a batch of arrays: one statement for the attempts, one for the deliveries'
    /// states, whatever the batch's size. Logging an attempt ends its lease. A delivery a reset
    /// cancelled while its attempt was under way keeps the attempt and stays cancelled.
    public func recordAttempts(_ records: [AttemptRecord]) async throws(WebhookError) {
        guard !records.isEmpty else { return }
        let ids = records.map(\.deliveryID), numbers = records.map(\.attempt.number), times = records.map(\.attempt.time)
        // Arrays cannot hold a nil here: -1 and "" stand for none, and NULLIF puts it back.
        let statuses = records.map { $0.attempt.status ?? -1 }, latencies = records.map(\.attempt.latencyMilliseconds)
        let errors = records.map { $0.attempt.error ?? "" }, nodes = records.map { $0.attempt.node ?? "" }
        let states = records.map(\.state.rawValue), next = records.map { $0.nextAttempt ?? -1 }
        // One statement, so one round trip and its own transaction: the attempts go in by a
        // data-modifying CTE beside the update of their deliveries.
        try await call { client in
            _ = try await client.query("""
                WITH logged AS (
                    INSERT INTO delivery_attempts(delivery_id, number, time, status, latency_ms, error, node)
                    SELECT d, n, t, NULLIF(s, -1), l, NULLIF(e, ''), NULLIF(o, '')
                    FROM unnest(\(ids)::bigint[], \(numbers)::int[], \(times)::float8[], \(statuses)::int[], \(latencies)::float8[],
                                \(errors)::text[], \(nodes)::text[]) AS t(d, n, t, s, l, e, o)
                    ON CONFLICT (delivery_id, number) DO NOTHING
                )
                UPDATE deliveries SET state = u.s, attempts = u.n, next_attempt = NULLIF(u.x, -1), lease_node = NULL, lease_until = NULL
                FROM unnest(\(ids)::bigint[], \(states)::text[], \(numbers)::int[], \(next)::float8[]) AS u(d, s, n, x)
                WHERE deliveries.id = u.d AND deliveries.attempts < u.n AND deliveries.state <> 'cancelled'
                """, logger: PostgresStore.quiet)
        }
    }

    public func outgoing(deliveryID: Int) async throws(WebhookError) -> OutgoingDelivery? {
        try await call { client -> OutgoingDelivery? in
            for try await (account, url, payload, attempts, state, fault) in try await client.query(
                "SELECT account, url, payload, attempts, state, fault FROM deliveries WHERE id = \(deliveryID)", logger: PostgresStore.quiet
            ).decode((String, String, ByteBuffer, Int, String, String?).self) {
                return OutgoingDelivery(account: account, url: url, payload: payload.bytes, attemptsMade: attempts,
                                        state: DeliveryState(rawValue: state) ?? .failed, fault: fault.flatMap(DeliveryFault.init(rawValue:)))
            }
            return nil
        }
    }

    public func deliveries(account: String, _ query: DeliveryQuery) async throws(WebhookError) -> [Delivery] {
        try await call { client -> [Delivery] in
            var found: [Delivery] = []
            for try await row in try await client.query("""
                SELECT \(unescaped: PostgresStore.deliveryColumns) FROM deliveries
                WHERE account = \(account) AND (\(query.webhookID)::bigint IS NULL OR webhook_id = \(query.webhookID))
                  AND (\(query.state?.rawValue)::text IS NULL OR state = \(query.state?.rawValue))
                  AND (\(query.messageID)::text IS NULL OR message_id = \(query.messageID))
                ORDER BY id DESC LIMIT \(query.limit)
                """, logger: PostgresStore.quiet) {
                found.append(try PostgresStore.delivery(row))
            }
            found.reverse()
            return try await PostgresStore.withAttempts(found, client)
        }
    }

    /// The deliveries with their attempts, read in one query.
    static func withAttempts(_ deliveries: [Delivery], _ client: PostgresClient) async throws -> [Delivery] {
        guard !deliveries.isEmpty else { return deliveries }
        var found = deliveries
        var positions: [Int: Int] = [:]
        for (position, delivery) in found.enumerated() { positions[delivery.id] = position }
        for try await (id, number, time, status, latency, error, node) in try await client.query("""
            SELECT delivery_id, number, time, status, latency_ms, error, node FROM delivery_attempts
            WHERE delivery_id = ANY(\(found.map(\.id))::bigint[]) ORDER BY delivery_id, number
            """, logger: quiet).decode((Int, Int, Double, Int?, Double, String?, String?).self) {
            guard let position = positions[id] else { continue }
            found[position].attempts.append(DeliveryAttempt(number: number, time: time, status: status, latencyMilliseconds: latency,
                                                            error: error, node: node))
        }
        return found
    }

    public func pendingDeliveries() async throws(WebhookError) -> [PendingDelivery] {
        try await call { client -> [PendingDelivery] in
            var found: [PendingDelivery] = []
            for try await (id, due, after, attempts) in try await client.query(
                "SELECT id, next_attempt, after_id, attempts FROM deliveries WHERE state = 'pending' ORDER BY next_attempt, id",
                logger: PostgresStore.quiet
            ).decode((Int, Double?, Int?, Int).self) {
                found.append(PendingDelivery(id: id, due: due ?? 0, after: after, attemptsMade: attempts))
            }
            return found
        }
    }

    // MARK: claims

    /// `FOR UPDATE SKIP LOCKED`: nodes claiming at the same moment take different rows and
    /// never wait for each other. Times are the database's clock, so nodes on machines whose
    /// clocks differ agree on when a lease runs out.
    public func claim(node: String, limit: Int, lease: Double) async throws(WebhookError) -> [ClaimedDelivery] {
        try await call { client -> [ClaimedDelivery] in
            var claimed: [ClaimedDelivery] = []
            for try await (id, account, url, payload, attempts, fault) in try await client.query("""
                WITH now AS (SELECT extract(epoch FROM clock_timestamp())::float8 AS t),
                due AS (
                    SELECT d.id FROM deliveries d, now
                    WHERE d.state = 'pending' AND d.next_attempt <= now.t AND (d.lease_until IS NULL OR d.lease_until < now.t)
                      AND (d.after_id IS NULL OR NOT EXISTS (
                          SELECT 1 FROM deliveries p WHERE p.id = d.after_id AND p.state = 'pending' AND p.attempts = 0))
                    ORDER BY d.next_attempt, d.id
                    LIMIT \(limit)
                    FOR UPDATE OF d SKIP LOCKED
                )
                UPDATE deliveries SET lease_node = \(node), lease_until = (SELECT t FROM now) + \(lease)
                FROM due WHERE deliveries.id = due.id
                RETURNING deliveries.id, deliveries.account, deliveries.url, deliveries.payload, deliveries.attempts, deliveries.fault
                """, logger: PostgresStore.quiet).decode((Int, String, String, ByteBuffer, Int, String?).self) {
                claimed.append(ClaimedDelivery(id: id, outgoing: OutgoingDelivery(account: account, url: url, payload: payload.bytes, attemptsMade: attempts,
                                                                                 state: .pending, fault: fault.flatMap(DeliveryFault.init(rawValue:)))))
            }
            return claimed.sorted { $0.id < $1.id }
        }
    }

    public func nextDue() async throws(WebhookError) -> Double? {
        try await call { client -> Double? in
            for try await (due, now) in try await client.query("""
                SELECT min(greatest(next_attempt, coalesce(lease_until, 0))), extract(epoch FROM clock_timestamp())::float8
                FROM deliveries WHERE state = 'pending'
                """, logger: PostgresStore.quiet).decode((Double?, Double).self) {
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
        let (id, webhookID, url, event, messageID, state, next, created, fault) = try row.decode((Int, Int, String, Int, String, String, Double?, Double, String?).self)
        return Delivery(id: id, webhookID: webhookID, url: url, event: EventType.withCode(event) ?? EventType.all[0], messageID: messageID,
                        state: DeliveryState(rawValue: state) ?? .failed, attempts: [], nextAttempt: next, created: created,
                        fault: fault.flatMap(DeliveryFault.init(rawValue:)))
    }
}
