import WebhookCore
import WhsSupport

/// Templates, request ids and the mail log in memory: the same rules as in SQLite.
extension MemoryStore: MailStore {
    public func putTemplate(account: String, _ template: MailTemplate) throws(WebhookError) -> MailTemplate {
        state.withLock { state in
            let created = state.templates[account]?[template.name]?.created ?? template.created
            let stored = MailTemplate(name: template.name, subject: template.subject, html: template.html, text: template.text,
                                      created: created, updated: template.updated)
            state.templates[account, default: [:]][template.name] = stored
            return stored
        }
    }

    public func template(account: String, name: String) throws(WebhookError) -> MailTemplate? {
        state.withLock { $0.templates[account]?[name] }
    }

    public func templates(account: String) throws(WebhookError) -> [MailTemplate] {
        state.withLock { state in (state.templates[account] ?? [:]).values.sorted { $0.name < $1.name } }
    }

    public func deleteTemplate(account: String, name: String) throws(WebhookError) -> Int {
        state.withLock { state in state.templates[account]?.removeValue(forKey: name) == nil ? 0 : 1 }
    }

    public func recordSend(_ send: PlannedSend, repeatsSince: Double) throws(WebhookError) -> RecordedSend {
        state.withLock { state in
            if let requestID = send.requestID {
                if let found = state.sends[send.account]?[requestID], found.created >= repeatsSince { return .repeated(answer: found.answer) }
                state.sends[send.account, default: [:]][requestID] = (send.answer, send.created)
            }
            var chains: [[DeliveryLink]] = []
            for mail in send.mails {
                let mailID = state.nextMailID()
                state.mails.append((send.account, MailRecord(id: mailID, header: mail.header, html: mail.html, text: mail.text,
                                                             created: send.created, events: mail.loggedEvents, deliveries: [],
                                                             extra: mail.extra)))
                state.activity.add(account: send.account, .mail, ref: mailID, number: 0, time: send.created)
                var mailChains = DeliveryChains()
                for event in mail.events {
                    let links = Self.insertEvent(&state, account: send.account, mailID: mailID, event, logs: false) { mailChains.previous(webhook: $0) }
                    mailChains.add(event.webhooks, links)
                }
                chains += mailChains.chains
            }
            return .sent(chains: chains)
        }
    }

    public func recordEvent(account: String, mailID: Int, _ event: PlannedEvent) throws(WebhookError) -> [DeliveryLink] {
        try state.withLock { state throws(WebhookError) -> [DeliveryLink] in
            guard let index = state.mailIndex(mailID), state.mails[index].account == account else { throw .mailNotFound(String(mailID)) }
            return Self.insertEvent(&state, account: account, mailID: mailID, event, logs: true) { _ in nil }
        }
    }

    /// The deliveries of one event; `logs`: add the event to the mail's events too (a send
    /// writes its mail's events whole, `loggedEvents`).
    private static func insertEvent(_ state: inout State, account: String, mailID: Int, _ event: PlannedEvent, logs: Bool,
                                    after: (Int) -> Int?) -> [DeliveryLink] {
        let index = state.mailIndex(mailID)!
        if logs {
            state.mails[index].record.events.append(MailEventRecord(event: event.event, time: event.time, detail: event.detail))
            state.activity.add(account: account, .engagement, ref: mailID, number: state.mails[index].record.events.count - 1, time: event.time)
        }
        let messageID = state.mails[index].record.header.messageID
        return event.webhooks.map { webhook in
            let delivery = Delivery(id: state.nextDeliveryID(), webhookID: webhook.id, url: webhook.url, event: event.event,
                                    messageID: messageID, state: .pending, attempts: [], nextAttempt: event.due, created: event.due,
                                    fault: event.fault)
            state.deliveries.append(LoggedDelivery(account: account, delivery: delivery, payload: event.payload, mailID: mailID,
                                                   after: after(webhook.id)))
            return DeliveryLink(id: delivery.id, due: event.due, outgoing: OutgoingDelivery(
                account: account, url: webhook.url, payload: event.payload, attemptsMade: 0, state: .pending, fault: event.fault))
        }
    }

    public func mails(account: String, _ query: MailQuery) throws(WebhookError) -> [MailRecord] {
        state.withLock { state in
            var found: [MailRecord] = []
            for entry in state.mails.reversed() where entry.account == account && query.matches(entry.record) {
                found.append(entry.record)
                if found.count == query.limit { break }
            }
            return found.reversed()
        }
    }

    public func mail(account: String, id: Int) throws(WebhookError) -> MailRecord? {
        state.withLock { state in
            guard let index = state.mailIndex(id), state.mails[index].account == account else { return nil }
            var record = state.mails[index].record
            record.deliveries = state.deliveries.filter { $0.mailID == id && $0.account == account }.map(\.delivery)
            return record
        }
    }

    public func mailID(account: String, emailID: String) throws(WebhookError) -> Int? {
        state.withLock { state in state.mails.first { $0.account == account && $0.record.header.emailID == emailID }?.record.id }
    }
}
