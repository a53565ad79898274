import NIOCore
import PostgresNIO
import WebhookCore

// The send path's statements (PostgresStatements.swift says why they are types).

/// Fresh ids for a send's mails (0) and deliveries (1), in one round trip.
struct TakeIDsStatement: PostgresPreparedStatement {
    static let name = "whs_take_ids"
    static let sql = """
        SELECT 0, nextval('mails_id_seq') FROM generate_series(1, $1::int8)
        UNION ALL
        SELECT 1, nextval('deliveries_id_seq') FROM generate_series(1, $2::int8)
        """
    typealias Row = (sequence: Int, id: Int)

    let mails: Int
    let deliveries: Int

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(mails)
        bindings.append(deliveries)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        var cells = Cells(row)
        return (try cells.next(), try cells.next())
    }
}

/// A send's mails and deliveries, and the wake-up of every node's claim loop when there are
/// deliveries, in one statement: its data-modifying CTEs make it one round trip and one
/// transaction. Arrays cannot hold a nil: -1 and "\u{1}" (or "") stand for none, and NULLIF
/// puts it back.
struct InsertSendStatement: PostgresPreparedStatement {
    static let name = "whs_insert_send"
    static let sql = """
        WITH mails_made AS (
            INSERT INTO mails(id, account, message_id, email_id, task_id, api_user, sender, recipient, address, subject, html, text,
                              custom_args, label_id, label_name, template, created, events, extra)
            SELECT i, $1, m, e, k, u, f, r, a, s, hb, tb, c, NULLIF(li, -1), NULLIF(ln, E'\\x01'), NULLIF(tp, E'\\x01'), $2, ev, x
            FROM unnest($3::bigint[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                        $12::text[], $13::text[], $14::text[], $15::bigint[], $16::text[], $17::text[], $18::text[], $19::text[])
                 AS t(i, m, e, k, u, f, r, a, s, hb, tb, c, li, ln, tp, ev, x)
        ), deliveries_made AS (
            INSERT INTO deliveries(id, account, webhook_id, url, event, message_id, payload, state, next_attempt, created, mail_id, after_id, fault)
            SELECT i, a, w, u, e, m, p, 'pending', t, t, ml, NULLIF(af, -1), NULLIF(fl, '')
            FROM unnest($20::bigint[], $21::text[], $22::bigint[], $23::text[], $24::bigint[], $25::text[], $26::bytea[], $27::float8[],
                        $28::bigint[], $29::bigint[], $30::text[])
                 AS x(i, a, w, u, e, m, p, t, ml, af, fl)
            RETURNING id, next_attempt, after_id
        ), queued AS (
            INSERT INTO delivery_queue(id, next_attempt, after_id) SELECT id, next_attempt, after_id FROM deliveries_made
        )
        SELECT 1 FROM (SELECT pg_notify('\(PostgresStore.queuedChannel)', '') WHERE cardinality($20::bigint[]) > 0) AS woken
        """
    typealias Row = Int

    let send: PlannedSend
    let mailIDs: [Int]
    let rows: DeliveryRows

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 30)
        let h = send.mails.map(\.header)
        bindings.append(send.account)
        bindings.append(send.created)
        bindings.append(mailIDs)
        bindings.append(h.map(\.messageID))
        bindings.append(h.map(\.emailID))
        bindings.append(h.map(\.taskID))
        bindings.append(h.map(\.apiUser))
        bindings.append(h.map(\.from))
        bindings.append(h.map(\.to))
        bindings.append(h.map(\.address))
        bindings.append(h.map(\.subject))
        bindings.append(send.mails.map(\.html))
        bindings.append(send.mails.map(\.text))
        bindings.append(h.map(\.customArgs.text))
        bindings.append(h.map { $0.labelID ?? -1 })
        bindings.append(h.map { $0.labelName ?? "\u{1}" })
        bindings.append(h.map { $0.template ?? "\u{1}" })
        bindings.append(send.mails.map { MailEventRecord.rowJSON($0.loggedEvents).text })
        bindings.append(send.mails.map { MailRecord.extraRow($0.extra) })
        bindings.append(rows.ids)
        bindings.append(rows.accounts)
        bindings.append(rows.webhooks)
        bindings.append(rows.urls)
        bindings.append(rows.events)
        bindings.append(rows.messageIDs)
        bindings.append(rows.payloads)
        bindings.append(rows.times)
        bindings.append(rows.mails)
        bindings.append(rows.after)
        bindings.append(rows.faults)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        var cells = Cells(row)
        return try cells.next()
    }
}
