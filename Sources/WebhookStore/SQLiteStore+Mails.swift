import CSQLite
import WebhookCore
import WhsSupport

/// Templates, request ids and the mail log in SQLite (schema step 4).
extension SQLiteStore: MailStore {
    final class MailStatements {
        let putTemplate, template, templates, deleteTemplate, previousSend, forgetSend, rememberSend: SQLiteStatement
        let insertMail, updateEvents, insertDelivery, mails, mailsTo, mailsOfMessage, mailsSearch, mail, mailDeliveries, attempts, byEmailID: SQLiteStatement

        init(_ c: SQLiteConnection) throws(WebhookError) {
            putTemplate = try c.prepare("""
                INSERT INTO templates(account, name, subject, html, text, created, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
                ON CONFLICT(account, name) DO UPDATE SET subject = excluded.subject, html = excluded.html, text = excluded.text,
                    updated = excluded.updated
                """)
            template = try c.prepare("SELECT name, subject, html, text, created, updated FROM templates WHERE account = ?1 AND name = ?2")
            templates = try c.prepare("SELECT name, subject, html, text, created, updated FROM templates WHERE account = ?1 ORDER BY name")
            deleteTemplate = try c.prepare("DELETE FROM templates WHERE account = ?1 AND name = ?2")
            previousSend = try c.prepare("SELECT answer FROM sends WHERE account = ?1 AND request_id = ?2 AND created >= ?3")
            forgetSend = try c.prepare("DELETE FROM sends WHERE account = ?1 AND request_id = ?2")
            rememberSend = try c.prepare("INSERT INTO sends(account, request_id, answer, created) VALUES (?1, ?2, ?3, ?4)")
            insertMail = try c.prepare("""
                INSERT INTO mails(account, message_id, email_id, task_id, api_user, sender, recipient, address, subject, html, text,
                                  custom_args, label_id, label_name, template, created, events, extra)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
                """)
            updateEvents = try c.prepare("UPDATE mails SET events = ?3 WHERE account = ?1 AND id = ?2")
            // The body in `delivery_bodies`, as a trigger's: the row a settle rewrites stays narrow.
            insertDelivery = try c.prepare("""
                INSERT INTO deliveries(account, webhook_id, url, event, message_id, payload, body_id, state, next_attempt, created, mail_id, after_id, fault)
                VALUES (?1, ?2, ?3, ?4, ?5, x'', ?6, 'pending', ?7, ?7, ?8, ?9, ?10)
                """)
            let columns = """
                SELECT id, message_id, email_id, task_id, api_user, sender, recipient, address, subject, html, text, custom_args,
                       label_id, label_name, template, created, events, extra FROM mails
                """
            mails = try c.prepare("\(columns) WHERE account = ?1 ORDER BY id DESC LIMIT ?2")
            mailsTo = try c.prepare("\(columns) WHERE account = ?1 AND address = ?3 ORDER BY id DESC LIMIT ?2")
            mailsOfMessage = try c.prepare("\(columns) WHERE account = ?1 AND message_id = ?3 ORDER BY id DESC LIMIT ?2")
            // The search of the inspector and `mails subject= event= before=`: every filter,
            // each skipped when NULL; the account's index still orders it.
            mailsSearch = try c.prepare("""
                \(columns) WHERE account = ?1 AND (?3 IS NULL OR address = ?3) AND (?4 IS NULL OR message_id = ?4)
                  AND (?5 IS NULL OR instr(lower(subject), lower(?5)) > 0)
                  AND (?6 IS NULL OR EXISTS (SELECT 1 FROM json_each(mails.events) WHERE json_extract(value, '$[0]') = ?6))
                  AND (?7 IS NULL OR id < ?7)
                ORDER BY id DESC LIMIT ?2
                """)
            mail = try c.prepare("\(columns) WHERE account = ?1 AND id = ?2")
            // A mail's deliveries through the index of its send's message id.
            mailDeliveries = try c.prepare("""
                SELECT id, webhook_id, url, event, message_id, state, next_attempt, created, fault FROM deliveries
                WHERE account = ?2 AND message_id = ?3 AND mail_id = ?1 ORDER BY id
                """)
            attempts = try c.prepare("""
                SELECT a.delivery_id, a.number, a.time, a.status, a.latency_ms, a.error FROM deliveries d
                JOIN delivery_attempts a ON a.delivery_id = d.id
                WHERE d.account = ?2 AND d.message_id = ?3 AND d.mail_id = ?1 ORDER BY a.delivery_id, a.number
                """)
            byEmailID = try c.prepare("SELECT id FROM mails WHERE account = ?1 AND email_id = ?2")
        }
    }

    func mailStatements() throws(WebhookError) -> MailStatements {
        if let prepared = mailStatementsIfPrepared { return prepared }
        let prepared = try MailStatements(connection)
        mailStatementsIfPrepared = prepared
        return prepared
    }

    // MARK: templates

    public func putTemplate(account: String, _ template: MailTemplate) throws(WebhookError) -> MailTemplate {
        try transaction { _ throws(WebhookError) -> MailTemplate in
            let s = try mailStatements()
            s.putTemplate.bind(.text(account), .text(template.name), .text(template.subject), .text(template.html), .text(template.text))
            s.putTemplate.bind(.real(template.updated), at: 6)
            try s.putTemplate.run()
            guard let stored = try s.template.bind(.text(account), .text(template.name)).single(Self.template(from:)) else {
                throw .storage("template \(template.name) was not stored")
            }
            return stored
        }
    }

    public func template(account: String, name: String) throws(WebhookError) -> MailTemplate? {
        try withLock { () throws(WebhookError) -> MailTemplate? in
            try mailStatements().template.bind(.text(account), .text(name)).single(Self.template(from:))
        }
    }

    public func templates(account: String) throws(WebhookError) -> [MailTemplate] {
        try withLock { () throws(WebhookError) -> [MailTemplate] in
            let rows = try mailStatements().templates.bind(.text(account))
            var found: [MailTemplate] = []
            while try rows.step() { found.append(Self.template(from: rows)) }
            return found
        }
    }

    public func deleteTemplate(account: String, name: String) throws(WebhookError) -> Int {
        try withLock { () throws(WebhookError) -> Int in
            try mailStatements().deleteTemplate.bind(.text(account), .text(name)).run()
            return connection.changes
        }
    }

    static func template(from row: SQLiteStatement) -> MailTemplate {
        MailTemplate(name: row.text(0), subject: row.text(1), html: row.text(2), text: row.text(3), created: row.double(4), updated: row.double(5))
    }

    // MARK: sends

    public func recordSend(_ send: PlannedSend, repeatsSince: Double) throws(WebhookError) -> RecordedSend {
        try transaction { _ throws(WebhookError) -> RecordedSend in
            let s = try mailStatements()
            if let requestID = send.requestID {
                if let text = try s.previousSend.bind(.text(send.account), .text(requestID), .real(repeatsSince)).single({ $0.text(0) }),
                   let answer = try? JSON.parse(text) {
                    return .repeated(answer: answer)
                }
                try s.forgetSend.bind(.text(send.account), .text(requestID)).run()
                try s.rememberSend.bind(.text(send.account), .text(requestID), .text(send.answer.text), .real(send.created)).run()
            }
            var chains: [[DeliveryLink]] = []
            for mail in send.mails {
                let h = mail.header
                s.insertMail.bind(.text(send.account), .text(h.messageID), .text(h.emailID), .integer(h.taskID), .text(h.apiUser))
                s.insertMail.bind(.text(h.from), at: 6)
                s.insertMail.bind(.text(h.to), at: 7)
                s.insertMail.bind(.text(h.address), at: 8)
                s.insertMail.bind(.text(h.subject), at: 9)
                s.insertMail.bind(.text(mail.html), at: 10)
                s.insertMail.bind(.text(mail.text), at: 11)
                s.insertMail.bind(.text(h.customArgs.text), at: 12)
                s.insertMail.bind(h.labelID.map { .integer($0) } ?? .null, at: 13)
                s.insertMail.bind(h.labelName.map { .text($0) } ?? .null, at: 14)
                s.insertMail.bind(h.template.map { .text($0) } ?? .null, at: 15)
                s.insertMail.bind(.real(send.created), at: 16)
                s.insertMail.bind(.text(MailEventRecord.rowJSON(mail.loggedEvents).text), at: 17)
                s.insertMail.bind(.text(MailRecord.extraRow(mail.extra)), at: 18)
                try s.insertMail.run()
                let mailID = connection.lastInsertRowID
                var mailChains = DeliveryChains()
                for event in mail.events {
                    let links = try insertDeliveries(s, account: send.account, mailID: mailID, header: h, event,
                                                     after: { mailChains.previous(webhook: $0) })
                    mailChains.add(event.webhooks, links)
                }
                chains += mailChains.chains
            }
            return .sent(chains: chains)
        }
    }

    public func recordEvent(account: String, mailID: Int, _ event: PlannedEvent) throws(WebhookError) -> [DeliveryLink] {
        try transaction { _ throws(WebhookError) -> [DeliveryLink] in
            let s = try mailStatements()
            guard let mail = try s.mail.bind(.text(account), .integer(mailID)).single(Self.mail(from:)) else {
                throw .mailNotFound(String(mailID))
            }
            let events = mail.events + [MailEventRecord(event: event.event, time: event.time, detail: event.detail)]
            try s.updateEvents.bind(.text(account), .integer(mailID), .text(MailEventRecord.rowJSON(events).text)).run()
            return try insertDeliveries(s, account: account, mailID: mailID, header: mail.header, event, after: { _ in nil })
        }
    }

    /// The deliveries of one event, inside a transaction.
    private func insertDeliveries(_ s: MailStatements, account: String, mailID: Int, header: MailHeader, _ event: PlannedEvent,
                                  after: (Int) -> Int?) throws(WebhookError) -> [DeliveryLink] {
        var links: [DeliveryLink] = []
        guard !event.webhooks.isEmpty else { return links }
        // One body for the event's deliveries to every webhook (a send's push body is its own
        // event's, and a mail's later events each have theirs).
        let body = try insertBody(event.payload)
        for webhook in event.webhooks {
            s.insertDelivery.bind(.text(account), .integer(webhook.id), .text(webhook.url), .integer(event.event.code), .text(header.messageID))
            s.insertDelivery.bind(.integer(body), at: 6)
            s.insertDelivery.bind(.real(event.due), at: 7)
            s.insertDelivery.bind(.integer(mailID), at: 8)
            s.insertDelivery.bind(after(webhook.id).map { .integer($0) } ?? .null, at: 9)
            s.insertDelivery.bind(event.fault.map { .text($0.rawValue) } ?? .null, at: 10)
            try s.insertDelivery.run()
            links.append(DeliveryLink(id: connection.lastInsertRowID, due: event.due, outgoing: OutgoingDelivery(
                account: account, url: webhook.url, payload: event.payload, attemptsMade: 0, state: .pending, fault: event.fault)))
        }
        return links
    }

    // MARK: the log

    public func mails(account: String, _ query: MailQuery) throws(WebhookError) -> [MailRecord] {
        try withLock { () throws(WebhookError) -> [MailRecord] in
            let s = try mailStatements()
            let rows: SQLiteStatement
            if query.subject != nil || query.event != nil || query.before != nil {
                rows = s.mailsSearch.bind(.text(account), .integer(query.limit), query.to.map { .text($0) } ?? .null,
                                          query.messageID.map { .text($0) } ?? .null, query.subject.map { .text($0) } ?? .null)
                s.mailsSearch.bind(query.event.map { .integer($0.code) } ?? .null, at: 6)
                s.mailsSearch.bind(query.before.map { .integer($0) } ?? .null, at: 7)
            } else if let to = query.to { rows = s.mailsTo.bind(.text(account), .integer(query.limit), .text(to)) }
            else if let messageID = query.messageID { rows = s.mailsOfMessage.bind(.text(account), .integer(query.limit), .text(messageID)) }
            else { rows = s.mails.bind(.text(account), .integer(query.limit)) }
            var found: [MailRecord] = []
            while try rows.step() { found.append(Self.mail(from: rows)) }
            return found.reversed().filter { query.matches($0) }
        }
    }

    public func mail(account: String, id: Int) throws(WebhookError) -> MailRecord? {
        try withLock { () throws(WebhookError) -> MailRecord? in
            let s = try mailStatements()
            guard var mail = try s.mail.bind(.text(account), .integer(id)).single(Self.mail(from:)) else { return nil }
            let rows = s.mailDeliveries.bind(.integer(id), .text(account), .text(mail.header.messageID))
            while try rows.step() { mail.deliveries.append(delivery(from: rows)) }
            var positions: [Int: Int] = [:]
            for (position, delivery) in mail.deliveries.enumerated() { positions[delivery.id] = position }
            let attempts = s.attempts.bind(.integer(id), .text(account), .text(mail.header.messageID))
            while try attempts.step() {
                guard let position = positions[attempts.int(0)] else { continue }
                mail.deliveries[position].attempts.append(DeliveryAttempt(
                    number: attempts.int(1), time: attempts.double(2), status: attempts.isNull(3) ? nil : attempts.int(3),
                    latencyMilliseconds: attempts.double(4), error: attempts.isNull(5) ? nil : attempts.text(5)))
            }
            return mail
        }
    }

    public func mailID(account: String, emailID: String) throws(WebhookError) -> Int? {
        try withLock { () throws(WebhookError) -> Int? in
            try mailStatements().byEmailID.bind(.text(account), .text(emailID)).single { $0.int(0) }
        }
    }

    static func mail(from row: SQLiteStatement) -> MailRecord {
        let header = MailHeader(
            messageID: row.text(1), emailID: row.text(2), taskID: row.int(3), apiUser: row.text(4), from: row.text(5), to: row.text(6),
            address: row.text(7), subject: row.text(8), customArgs: (try? JSON.parse(row.text(11))) ?? .object([]),
            labelID: row.isNull(12) ? nil : row.int(12), labelName: row.isNull(13) ? nil : row.text(13), template: row.isNull(14) ? nil : row.text(14))
        return MailRecord(id: row.int(0), header: header, html: row.text(9), text: row.text(10), created: row.double(15),
                          events: MailEventRecord.fromRow(row.text(16)), deliveries: [], extra: MailRecord.extra(fromRow: row.text(17)))
    }
}
