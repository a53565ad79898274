import WebhookCore
import WebhookDelivery
import WhsSupport

/// The sending side for a shell on a local store: its own `Mailer`, on the dispatcher of the
/// shell's delivery side, so sends and triggers share one queue of pushes.
public final class LocalMailing: Mailing {
    public let mailer: Mailer
    let account: String

    public init(store: any MailStore & DeliveryStore, dispatcher: Dispatcher, account: String = "local") {
        mailer = Mailer(store: store, dispatcher: dispatcher)
        self.account = account
    }

    public var eventDelay: Double {
        get { mailer.eventDelay }
        set { mailer.eventDelay = newValue }
    }

    public func send(_ body: JSON, template: Bool, apiUser: String?, wait: DeliveryWait?) throws(WebhookError) -> JSON {
        let sent = try mailer.send(account: account, apiUser: try Validation.apiUser(apiUser ?? ""), body, template: template)
        guard let wait else { return sent.answer }
        let watched = try watch(Set(sent.deliveryIDs), messageID: sent.messageID, wait)
        return answer(sent.answer, settled: sent.deliveryIDs.count - watched.pending, pending: watched.pending)
    }

    public func putTemplate(name: String, subject: String, html: String, text: String) throws(WebhookError) -> JSON {
        try mailer.template(account: account, name: name, subject: subject, html: html, text: text).json
    }

    public func templates() throws(WebhookError) -> JSON { templatesJSON(try mailer.store.templates(account: account)) }

    public func template(name: String) throws(WebhookError) -> JSON {
        guard let found = try mailer.store.template(account: account, name: name) else { throw .templateNotFound(name) }
        return found.json
    }

    public func deleteTemplate(name: String) throws(WebhookError) -> JSON {
        .object([("count", .int(try mailer.store.deleteTemplate(account: account, name: name)))])
    }

    public func mails(_ query: MailQuery) throws(WebhookError) -> JSON { mailsJSON(try mailer.store.mails(account: account, query)) }

    public func mail(_ id: String) throws(WebhookError) -> JSON { try record(id).json }

    public func engage(_ id: String, event: EventType, url: String?, wait: DeliveryWait?) throws(WebhookError) -> JSON {
        let mailID = try mailer.mailID(account: account, id)
        let started = try mailer.engage(account: account, mail: mailID, event: event, url: url)
        let mail = try record(String(mailID))
        guard let wait else { return mail.json }
        _ = try watch(Set(started), messageID: mail.header.messageID, wait)
        return try record(String(mailID)).json
    }

    public func payload(_ id: String, event: EventType, url: String?) throws(WebhookError) -> JSON {
        let found = try record(id)
        return Mailer.payload(event, of: found.header, url: event.name == "click" ? (url ?? MailLife.firstLink(in: found.html)) : nil)
    }

    func record(_ id: String) throws(WebhookError) -> MailRecord {
        guard let found = try mailer.store.mail(account: account, id: try mailer.mailID(account: account, id)) else { throw .mailNotFound(id) }
        return found
    }

    func watch(_ ids: Set<Int>, messageID: String, _ wait: DeliveryWait) throws(WebhookError) -> (deliveries: [JSON], pending: Int) {
        try mailer.store.watch(account: account, ids, messageID: messageID, wait)
    }
}
