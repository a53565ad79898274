import NIOCore
import PostgresNIO
import WebhookCore
import WhsSupport

// The delivery log's statements of the hot path: what a trigger writes, what the claim loop
// takes and what its workers log (PostgresStatements.swift says why they are types).

/// A trigger's deliveries, one per webhook, and the wake-up of every node's claim loop, in one
/// statement and so one round trip and one transaction (the notice goes out at its commit).
/// The ids come back as one row of two arrays: a row per delivery cost the node about 10 ms
/// of decoding between the insert's end and the first claim for a fan-out of 1,000. The first
/// `leasing` of them (by id) are queued already leased to `node` (`insertDeliveries(leasing:)`).
struct InsertDeliveriesStatement: PostgresPreparedStatement {
    static let name = "whs_insert_deliveries"
    static let sql = """
        WITH made AS (
            INSERT INTO deliveries(account, webhook_id, url, event, message_id, payload, state, next_attempt, created)
            SELECT $1, w, u, $4::int8, $5, $6, 'pending', $7, $7 FROM unnest($2::bigint[], $3::text[]) AS t(w, u)
            RETURNING id, webhook_id
        ), queued AS (
            INSERT INTO delivery_queue(id, next_attempt, lease_node, lease_until)
            SELECT id, $7, CASE WHEN n <= $8 THEN $9::text END, CASE WHEN n <= $8 THEN extract(epoch FROM clock_timestamp())::float8 + $10 END
            FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM made) AS m
        )
        SELECT coalesce(array_agg(made.id), '{}'), coalesce(array_agg(made.webhook_id), '{}')
        FROM made, (SELECT pg_notify('\(PostgresStore.queuedChannel)', '')) AS woken
        """
    typealias Row = (ids: [Int], webhooks: [Int])

    let account: String
    let webhooks: [Int]
    let urls: [String]
    let event: Int
    let messageID: String
    let payload: ByteBuffer
    let time: Double
    let leasing: Int
    let node: String
    let lease: Double

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 10)
        bindings.append(account)
        bindings.append(webhooks)
        bindings.append(urls)
        bindings.append(event)
        bindings.append(messageID)
        bindings.append(payload)
        bindings.append(time)
        bindings.append(leasing)
        bindings.append(node)
        bindings.append(lease)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        var cells = Cells(row)
        return (try cells.next(), try cells.next())
    }
}

/// `FOR UPDATE SKIP LOCKED`: nodes claiming at the same moment take different rows and never
/// wait for each other. Times are the database's clock, so nodes on machines whose clocks
/// differ agree on when a lease runs out. The claim is the function `whs_claim` (schema step
/// 8, where its statement is): its plan is made once per connection and is always the scan of
/// `delivery_queue_due` in order up to the limit. As a statement of its own, planned at every
/// run, its planning cost about as much as running it; prepared, its generic plan, made while
/// the queue was empty, read the whole queue and sorted it. The due rows and their leases are
/// the queue's (schema step 7); the deliveries are read only for what is claimed.
struct ClaimStatement: PostgresPreparedStatement {
    static let name = "whs_claim"
    static let sql = "SELECT id, account, url, payload, attempts, fault FROM whs_claim($1, $2, $3)"
    typealias Row = ClaimedDelivery

    let node: String
    let limit: Int
    let lease: Double

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 3)
        bindings.append(node)
        bindings.append(limit)
        bindings.append(lease)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        var cells = Cells(row)
        let id = try cells.next(Int.self), account = try cells.next(String.self), url = try cells.next(String.self)
        let payload = try cells.next(ByteBuffer.self), attempts = try cells.next(Int.self), fault = try cells.next(String?.self)
        return ClaimedDelivery(id: id, outgoing: OutgoingDelivery(account: account, url: url, payload: payload.bytes, attemptsMade: attempts,
                                                                 state: .pending, fault: fault.flatMap(DeliveryFault.init(rawValue:))))
    }
}

/// A batch of attempts as arrays: the attempts go in by a data-modifying CTE beside the update
/// of their deliveries, so one round trip whatever the batch's size. Logging an attempt ends
/// its lease; a delivery a reset cancelled meanwhile keeps the attempt and stays cancelled.
/// Arrays cannot hold a nil here: -1 and "" stand for none, and NULLIF puts it back. Running it
/// twice changes nothing more (ON CONFLICT, `attempts < n`). Each attempt it adds gets its row in
/// the activity log here (schema step 6; a trigger before), with the account its delivery's
/// update returned: looking the deliveries up again was half the statement's time. A delivery
/// the update skipped (cancelled) is looked up for its account, only then; one deleted meanwhile
/// gets none, as the trigger's join gave it none. A settled delivery leaves the queue (schema
/// step 7), a retried one stays in it with its new due time and no lease: the update of
/// `deliveries` changes no indexed column, so it is HOT.
struct RecordAttemptsStatement: PostgresPreparedStatement {
    static let name = "whs_record_attempts"
    static let sql = """
        WITH logged AS (
            INSERT INTO delivery_attempts(delivery_id, number, time, status, latency_ms, error, node)
            SELECT d, n, t, NULLIF(s, -1), l, NULLIF(e, ''), NULLIF(o, '')
            FROM unnest($1::bigint[], $2::bigint[], $3::float8[], $4::bigint[], $5::float8[], $6::text[], $7::text[]) AS t(d, n, t, s, l, e, o)
            ON CONFLICT (delivery_id, number) DO NOTHING
            RETURNING delivery_id, number, time
        ), settled AS (
            UPDATE deliveries SET state = u.s, attempts = u.n, next_attempt = NULLIF(u.x, -1)
            FROM unnest($1::bigint[], $8::text[], $2::bigint[], $9::float8[]) AS u(d, s, n, x)
            WHERE deliveries.id = u.d AND deliveries.attempts < u.n AND deliveries.state <> 'cancelled'
            RETURNING deliveries.id, deliveries.account, deliveries.state, deliveries.next_attempt
        ), dequeued AS (
            DELETE FROM delivery_queue q USING settled s WHERE q.id = s.id AND s.state <> 'pending'
        ), requeued AS (
            UPDATE delivery_queue q SET next_attempt = s.next_attempt, lease_node = NULL, lease_until = NULL
            FROM settled s WHERE q.id = s.id AND s.state = 'pending'
        )
        INSERT INTO activity(account, kind, ref, number, time)
        SELECT a.account, 3, a.delivery_id, a.number, a.time FROM (
            SELECT coalesce(s.account, (SELECT d.account FROM deliveries d WHERE d.id = l.delivery_id)) AS account, l.delivery_id, l.number, l.time
            FROM logged l LEFT JOIN settled s ON s.id = l.delivery_id
        ) AS a
        WHERE a.account IS NOT NULL
        ORDER BY a.delivery_id, a.number
        """
    typealias Row = ()

    let records: [AttemptRecord]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 9)
        bindings.append(records.map(\.deliveryID))
        bindings.append(records.map(\.attempt.number))
        bindings.append(records.map(\.attempt.time))
        bindings.append(records.map { $0.attempt.status ?? -1 })
        bindings.append(records.map(\.attempt.latencyMilliseconds))
        bindings.append(records.map { $0.attempt.error ?? "" })
        bindings.append(records.map { $0.attempt.node ?? "" })
        bindings.append(records.map(\.state.rawValue))
        bindings.append(records.map { $0.nextAttempt ?? -1 })
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {}
}

/// The earliest time a pending delivery is due or its lease ends, and the database's clock.
struct NextDueStatement: PostgresPreparedStatement {
    static let name = "whs_next_due"
    static let sql = """
        SELECT min(greatest(next_attempt, coalesce(lease_until, 0))), extract(epoch FROM clock_timestamp())::float8
        FROM delivery_queue
        """
    typealias Row = (due: Double?, now: Double)

    func makeBindings() throws -> PostgresBindings { PostgresBindings() }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        var cells = Cells(row)
        return (try cells.next(), try cells.next())
    }
}

/// What a worker needs to push a delivery it holds only by id.
struct OutgoingStatement: PostgresPreparedStatement {
    static let name = "whs_outgoing"
    static let sql = "SELECT account, url, payload, attempts, state, fault FROM deliveries WHERE id = $1"
    typealias Row = OutgoingDelivery

    let id: Int

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(id)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        var cells = Cells(row)
        let account = try cells.next(String.self), url = try cells.next(String.self), payload = try cells.next(ByteBuffer.self)
        let attempts = try cells.next(Int.self), state = try cells.next(String.self), fault = try cells.next(String?.self)
        return OutgoingDelivery(account: account, url: url, payload: payload.bytes, attemptsMade: attempts,
                                state: DeliveryState(rawValue: state) ?? .failed, fault: fault.flatMap(DeliveryFault.init(rawValue:)))
    }
}

/// A page of the delivery log, newest first; `FailingFirst` puts the failing ones before the
/// rest (only then, so that the usual listing keeps ordering by the index alone).
struct DeliveriesStatement: PostgresPreparedStatement {
    static let name = "whs_deliveries"
    static let sql = DeliveriesStatement.text(order: "id DESC")
    typealias Row = Delivery

    let account: String
    let query: DeliveryQuery

    static func text(order: String) -> String {
        """
        SELECT \(PostgresStore.deliveryColumns) FROM deliveries
        WHERE account = $1 AND ($2::bigint IS NULL OR webhook_id = $2) AND ($3::text IS NULL OR state = $3)
          AND ($4::text IS NULL OR message_id = $4) AND ($5::bigint IS NULL OR event = $5) AND ($6::bigint IS NULL OR id < $6)
        ORDER BY \(order) LIMIT $7
        """
    }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 7)
        bindings.append(account)
        bindings.append(query.webhookID)
        bindings.append(query.state?.rawValue)
        bindings.append(query.messageID)
        bindings.append(query.event?.code)
        bindings.append(query.before)
        bindings.append(query.limit)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try PostgresStore.delivery(row) }

    struct FailingFirst: PostgresPreparedStatement {
        static let name = "whs_deliveries_failing_first"
        static let sql = DeliveriesStatement.text(order: PostgresStore.failingFirstOrder)
        typealias Row = Delivery

        let page: DeliveriesStatement

        func makeBindings() throws -> PostgresBindings { try page.makeBindings() }
        func decodeRow(_ row: PostgresRow) throws -> Row { try PostgresStore.delivery(row) }
    }
}

/// The attempts of some deliveries, by delivery and number.
struct AttemptsStatement: PostgresPreparedStatement {
    static let name = "whs_attempts"
    static let sql = """
        SELECT delivery_id, number, time, status, latency_ms, error, node FROM delivery_attempts
        WHERE delivery_id = ANY($1::bigint[]) ORDER BY delivery_id, number
        """
    typealias Row = (delivery: Int, attempt: DeliveryAttempt)

    let deliveries: [Int]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(deliveries)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        var cells = Cells(row)
        let id = try cells.next(Int.self)
        return (id, DeliveryAttempt(number: try cells.next(), time: try cells.next(), status: try cells.next(), latencyMilliseconds: try cells.next(),
                                    error: try cells.next(), node: try cells.next()))
    }
}
