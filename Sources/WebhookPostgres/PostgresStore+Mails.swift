import NIOCore
import PostgresNIO
import WebhookCore
import WhsSupport

/// Templates, request ids and the mail log in PostgreSQL. A send costs a fixed number of
/// statements whatever its size: its mail and delivery ids are taken from the sequences first,
/// so its chains (`after_id`) are known before anything is written, and every mail and every
/// delivery goes in with one statement each.
extension PostgresStore: AsyncMailStore {
    static let templateColumns = "name, subject, html, text, created, updated"
    static let mailColumns = """
        id, message_id, email_id, task_id, api_user, sender, recipient, address, subject, html, text, custom_args,
        label_id, label_name, template, created, events, extra
        """

    public func putTemplate(account: String, _ template: MailTemplate) async throws(WebhookError) -> MailTemplate {
        let stored = try await call { client -> MailTemplate? in
            for try await row in try await client.query("""
                INSERT INTO templates(account, name, subject, html, text, created, updated)
                VALUES (\(account), \(template.name), \(template.subject), \(template.html), \(template.text), \(template.updated), \(template.updated))
                ON CONFLICT (account, name) DO UPDATE SET subject = excluded.subject, html = excluded.html, text = excluded.text,
                    updated = excluded.updated
                RETURNING \(unescaped: PostgresStore.templateColumns)
                """, logger: PostgresStore.quiet) {
                return try PostgresStore.template(row)
            }
            return nil
        }
        guard let stored else { throw .storage("template \(template.name) was not stored") }
        return stored
    }

    public func template(account: String, name: String) async throws(WebhookError) -> MailTemplate? {
        try await call { client -> MailTemplate? in
            for try await row in try await client.query(
                "SELECT \(unescaped: PostgresStore.templateColumns) FROM templates WHERE account = \(account) AND name = \(name)",
                logger: PostgresStore.quiet) {
                return try PostgresStore.template(row)
            }
            return nil
        }
    }

    public func templates(account: String) async throws(WebhookError) -> [MailTemplate] {
        try await call { client -> [MailTemplate] in
            var found: [MailTemplate] = []
            for try await row in try await client.query(
                "SELECT \(unescaped: PostgresStore.templateColumns) FROM templates WHERE account = \(account) ORDER BY name",
                logger: PostgresStore.quiet) {
                found.append(try PostgresStore.template(row))
            }
            return found
        }
    }

    public func deleteTemplate(account: String, name: String) async throws(WebhookError) -> Int {
        try await call { client -> Int in
            var deleted = 0
            for try await _ in try await client.query("DELETE FROM templates WHERE account = \(account) AND name = \(name) RETURNING name",
                                                      logger: PostgresStore.quiet) {
                deleted += 1
            }
            return deleted
        }
    }

    static func template(_ row: PostgresRow) throws -> MailTemplate {
        let (name, subject, html, text, created, updated) = try row.decode((String, String, String, String, Double, Double).self)
        return MailTemplate(name: name, subject: subject, html: html, text: text, created: created, updated: updated)
    }

    // MARK: sends

    /// A send without a request id is two statements on a pinned connection and no
    /// transaction: its ids (sequences are outside transactions anyway), then its mails, its
    /// deliveries and the wake-up in one statement (`InsertSendStatement`), which is atomic by
    /// itself. With a request id, the same two inside the transaction that holds the id's row.
    public func recordSend(_ send: PlannedSend, repeatsSince: Double) async throws(WebhookError) -> RecordedSend {
        guard let requestID = send.requestID else {
            return try await pinned { connection in try await PostgresStore.write(send, connection) }
        }
        return try await transaction { connection -> RecordedSend in
            let logger = PostgresStore.quiet
            // The row lock of the first of two racing repeats makes the second wait here,
            // then see the first's answer.
            try await connection.query("""
                INSERT INTO sends(account, request_id, answer, created) VALUES (\(send.account), \(requestID), '', 0)
                ON CONFLICT DO NOTHING
                """, logger: logger)
            for try await (answer, created) in try await connection.query(
                "SELECT answer, created FROM sends WHERE account = \(send.account) AND request_id = \(requestID) FOR UPDATE",
                logger: logger).decode((String, Double).self) where created >= repeatsSince {
                if let first = try? JSON.parse(answer) { return .repeated(answer: first) }
            }
            try await connection.query("""
                UPDATE sends SET answer = \(send.answer.text), created = \(send.created)
                WHERE account = \(send.account) AND request_id = \(requestID)
                """, logger: logger)
            return try await PostgresStore.write(send, connection)
        }
    }

    /// A send's mails and deliveries, their chains (`after_id`) known before anything is
    /// written since the ids are taken first: two round trips whatever the send's size.
    static func write(_ send: PlannedSend, _ connection: PostgresConnection) async throws -> RecordedSend {
        let deliveryCount = send.mails.reduce(0) { $0 + $1.events.reduce(0) { $0 + $1.webhooks.count } }
        guard !send.mails.isEmpty || deliveryCount > 0 else { return .sent(chains: []) }
        var mailIDs: [Int] = [], deliveryIDs: [Int] = []
        mailIDs.reserveCapacity(send.mails.count)
        deliveryIDs.reserveCapacity(deliveryCount)
        for try await (sequence, id) in try await connection.execute(TakeIDsStatement(mails: send.mails.count, deliveries: deliveryCount),
                                                                     logger: quiet) {
            if sequence == 0 { mailIDs.append(id) } else { deliveryIDs.append(id) }
        }
        mailIDs.sort()
        deliveryIDs.sort()
        var rows = DeliveryRows()
        var chains: [[DeliveryLink]] = []
        var next = 0
        for (mail, mailID) in zip(send.mails, mailIDs) {
            var mailChains = DeliveryChains()
            for event in mail.events {
                var links: [DeliveryLink] = []
                for webhook in event.webhooks {
                    let id = deliveryIDs[next]
                    next += 1
                    rows.add(id: id, account: send.account, webhook: webhook, event: event, messageID: mail.header.messageID,
                             mailID: mailID, after: mailChains.previous(webhook: webhook.id))
                    links.append(DeliveryLink(id: id, due: event.due, outgoing: OutgoingDelivery(
                        account: send.account, url: webhook.url, payload: event.payload, attemptsMade: 0, state: .pending, fault: event.fault)))
                }
                mailChains.add(event.webhooks, links)
            }
            chains += mailChains.chains
        }
        for try await _ in try await connection.execute(InsertSendStatement(send: send, mailIDs: mailIDs, rows: rows), logger: quiet) {}
        return .sent(chains: chains)
    }

    public func recordEvent(account: String, mailID: Int, _ event: PlannedEvent) async throws(WebhookError) -> [DeliveryLink] {
        let added = MailEventRecord.rowJSON([MailEventRecord(event: event.event, time: event.time, detail: event.detail)])
        let links = try await transaction { connection -> [DeliveryLink]? in
            let logger = PostgresStore.quiet
            // The events column is a JSON array: the new one is appended where it lies.
            var messageID: String?
            for try await found in try await connection.query("""
                UPDATE mails SET events = (events::jsonb || \(added.text)::jsonb)::text WHERE account = \(account) AND id = \(mailID)
                RETURNING message_id
                """, logger: logger).decode(String.self) {
                messageID = found
            }
            guard let messageID else { return nil }
            let ids = try await PostgresStore.take(event.webhooks.count, from: "deliveries_id_seq", connection)
            var rows = DeliveryRows()
            var links: [DeliveryLink] = []
            for (webhook, id) in zip(event.webhooks, ids) {
                rows.add(id: id, account: account, webhook: webhook, event: event, messageID: messageID, mailID: mailID, after: nil)
                links.append(DeliveryLink(id: id, due: event.due, outgoing: OutgoingDelivery(
                    account: account, url: webhook.url, payload: event.payload, attemptsMade: 0, state: .pending, fault: event.fault)))
            }
            try await rows.insert(connection)
            return links
        }
        guard let links else { throw .mailNotFound(String(mailID)) }
        return links
    }

    /// `count` fresh ids of a sequence, in one round trip.
    static func take(_ count: Int, from sequence: String, _ connection: PostgresConnection) async throws -> [Int] {
        guard count > 0 else { return [] }
        var ids: [Int] = []
        ids.reserveCapacity(count)
        for try await id in try await connection.query(
            "SELECT nextval(\(sequence)::regclass) FROM generate_series(1, \(count))", logger: quiet).decode(Int.self) {
            ids.append(id)
        }
        return ids.sorted()
    }

    // MARK: the log

    static let upperASCII = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    static let lowerASCII = "abcdefghijklmnopqrstuvwxyz"

    public func mails(account: String, _ query: MailQuery) async throws(WebhookError) -> [MailRecord] {
        // Folded as SQLite's lower() folds (ASCII letters only), so both stores find the same mails.
        let subject = query.subject.map(MailQuery.asciiLowercased)
        return try await call { client -> [MailRecord] in
            var found: [MailRecord] = []
            for try await row in try await client.query("""
                SELECT \(unescaped: PostgresStore.mailColumns) FROM mails
                WHERE account = \(account) AND (\(query.to)::text IS NULL OR address = \(query.to))
                  AND (\(query.messageID)::text IS NULL OR message_id = \(query.messageID))
                  AND (\(subject)::text IS NULL OR strpos(translate(subject, \(PostgresStore.upperASCII), \(PostgresStore.lowerASCII)), \(subject)) > 0)
                  AND (\(query.event?.code)::bigint IS NULL OR events::jsonb @> jsonb_build_array(jsonb_build_array(\(query.event?.code)::bigint)))
                  AND (\(query.before)::bigint IS NULL OR id < \(query.before))
                ORDER BY id DESC LIMIT \(query.limit)
                """, logger: PostgresStore.quiet) {
                found.append(try PostgresStore.mail(row))
            }
            return found.reversed()
        }
    }

    public func mail(account: String, id: Int) async throws(WebhookError) -> MailRecord? {
        try await pinned(retry: true) { connection -> MailRecord? in
            var found: MailRecord?
            for try await row in try await connection.query("SELECT \(unescaped: PostgresStore.mailColumns) FROM mails WHERE account = \(account) AND id = \(id)",
                                                        logger: PostgresStore.quiet) {
                found = try PostgresStore.mail(row)
            }
            guard var mail = found else { return nil }
            var deliveries: [Delivery] = []
            for try await row in try await connection.query("""
                SELECT \(unescaped: PostgresStore.deliveryColumns) FROM deliveries
                WHERE account = \(account) AND message_id = \(mail.header.messageID) AND mail_id = \(id) ORDER BY id
                """, logger: PostgresStore.quiet) {
                deliveries.append(try PostgresStore.delivery(row))
            }
            mail.deliveries = try await PostgresStore.withAttempts(deliveries, connection)
            return mail
        }
    }

    public func mailID(account: String, emailID: String) async throws(WebhookError) -> Int? {
        try await call { client -> Int? in
            for try await id in try await client.query("SELECT id FROM mails WHERE account = \(account) AND email_id = \(emailID)",
                                                       logger: PostgresStore.quiet).decode(Int.self) {
                return id
            }
            return nil
        }
    }

    static func mail(_ row: PostgresRow) throws -> MailRecord {
        let (id, messageID, emailID, taskID, apiUser, from, to, address, subject, html, text, customArgs) =
            try row.decode((Int, String, String, Int, String, String, String, String, String, String, String, String).self)
        let columns = row.makeRandomAccess()
        let labelID = try columns[12].decode(Int?.self)
        let labelName = try columns[13].decode(String?.self)
        let template = try columns[14].decode(String?.self)
        let created = try columns[15].decode(Double.self)
        let events = try columns[16].decode(String.self)
        let extra = try columns[17].decode(String.self)
        let header = MailHeader(messageID: messageID, emailID: emailID, taskID: taskID, apiUser: apiUser, from: from, to: to, address: address,
                                subject: subject, customArgs: (try? JSON.parse(customArgs)) ?? .object([]), labelID: labelID,
                                labelName: labelName, template: template)
        return MailRecord(id: id, header: header, html: html, text: text, created: created, events: MailEventRecord.fromRow(events), deliveries: [],
                          extra: MailRecord.extra(fromRow: extra))
    }
}

/// The deliveries of a send or an event as columns, written with one statement.
struct DeliveryRows {
    var ids: [Int] = [], accounts: [String] = [], webhooks: [Int] = [], urls: [String] = [], events: [Int] = []
    var messageIDs: [String] = [], payloads: [ByteBuffer] = [], times: [Double] = [], mails: [Int] = [], after: [Int] = []
    /// The fault of each, "" for none.
    var faults: [String] = []

    mutating func add(id: Int, account: String, webhook: Webhook, event: PlannedEvent, messageID: String, mailID: Int, after previous: Int?) {
        ids.append(id)
        accounts.append(account)
        webhooks.append(webhook.id)
        urls.append(webhook.url)
        events.append(event.event.code)
        messageIDs.append(messageID)
        payloads.append(ByteBuffer(bytes: event.payload))
        times.append(event.due)
        mails.append(mailID)
        after.append(previous ?? -1)
        faults.append(event.fault?.rawValue ?? "")
    }

    func insert(_ connection: PostgresConnection) async throws {
        guard !ids.isEmpty else { return }
        try await connection.query("""
            WITH made AS (
                INSERT INTO deliveries(id, account, webhook_id, url, event, message_id, payload, state, next_attempt, created, mail_id, after_id, fault)
                SELECT i, a, w, u, e, m, p, 'pending', t, t, ml, NULLIF(af, -1), NULLIF(fl, '')
                FROM unnest(\(ids)::bigint[], \(accounts)::text[], \(webhooks)::bigint[], \(urls)::text[], \(events)::int[], \(messageIDs)::text[],
                            \(payloads)::bytea[], \(times)::float8[], \(mails)::bigint[], \(after)::bigint[], \(faults)::text[])
                     AS x(i, a, w, u, e, m, p, t, ml, af, fl)
                RETURNING id, next_attempt, after_id
            )
            INSERT INTO delivery_queue(id, next_attempt, after_id) SELECT id, next_attempt, after_id FROM made
            """, logger: PostgresStore.quiet)
        try await connection.query("SELECT pg_notify(\(PostgresStore.queuedChannel), '')", logger: PostgresStore.quiet)
    }
}
