import WebhookCore
import WebhookDelivery
import WhsSupport

/// The sending side for a shell on a local store: its own `Mailer`, on the dispatcher of the
/// shell's delivery side, so sends and triggers share one queue of pushes.
///
/// The mailer is asynchronous; the shell waits for it on its own thread (`Blocking`), and
/// reads the mail log through `store`.
public final class LocalMailing: Mailing {
    public let mailer: Mailer
    let store: any MailStore & DeliveryStore
    let account: String

    public init(store: any MailStore & DeliveryStore, mailer: Mailer, account: String = "local") {
        self.mailer = mailer
        self.store = store
        self.account = account
    }

    /// On an embedded store, which is both what the shell reads and what the mailer writes.
    public convenience init(store: any MailStore & DeliveryStore & AsyncMailStore & AsyncDeliveryStore, dispatcher: Dispatcher,
                            account: String = "local") {
        self.init(store: store, mailer: Mailer(store: store, dispatcher: dispatcher), account: account)
    }

    public var eventDelay: Double {
        get { mailer.eventDelay }
        set { mailer.eventDelay = newValue }
    }

    public var faults: FaultRates {
        get { mailer.faults }
        set { mailer.faults = newValue }
    }

    public var apiFaults: APIFaults {
        get { mailer.apiFaults }
        set { mailer.apiFaults = newValue }
    }

    public func send(_ body: JSON, route: MailRoute, apiUser: String?, wait: DeliveryWait?) throws(WebhookError) -> JSON {
        let (mailer, account, apiUser) = (self.mailer, self.account, try Validation.apiUser(apiUser ?? ""))
        let sent = try Blocking.run { () async throws(WebhookError) in try await mailer.send(account: account, apiUser: apiUser, body, route: route) }
        guard let wait else { return sent.answer }
        let watched = try watch(Set(sent.deliveryIDs), messageID: sent.messageID, wait)
        return answer(sent.answer, settled: sent.deliveryIDs.count - watched.pending, pending: watched.pending)
    }

    public func putTemplate(name: String, subject: String, html: String, text: String) throws(WebhookError) -> JSON {
        let (mailer, account) = (self.mailer, self.account)
        return try Blocking.run { () async throws(WebhookError) in
            try await mailer.template(account: account, name: name, subject: subject, html: html, text: text)
        }.json
    }

    public func templates() throws(WebhookError) -> JSON { templatesJSON(try store.templates(account: account)) }

    public func template(name: String) throws(WebhookError) -> JSON {
        guard let found = try store.template(account: account, name: name) else { throw .templateNotFound(name) }
        return found.json
    }

    public func deleteTemplate(name: String) throws(WebhookError) -> JSON {
        .object([("count", .int(try store.deleteTemplate(account: account, name: name)))])
    }

    public func mails(_ query: MailQuery) throws(WebhookError) -> JSON { mailsJSON(try store.mails(account: account, query)) }

    public func mail(_ id: String) throws(WebhookError) -> JSON { try record(id).json }

    public func engage(_ id: String, event: EventType, url: String?, wait: DeliveryWait?) throws(WebhookError) -> JSON {
        let (mailer, account) = (self.mailer, self.account)
        let number = try mailID(id)
        let started = try Blocking.run { () async throws(WebhookError) in try await mailer.engage(account: account, mail: number, event: event, url: url) }
        let mail = try record(String(number))
        guard let wait else { return mail.json }
        _ = try watch(Set(started), messageID: mail.header.messageID, wait)
        return try record(String(number)).json
    }

    public func payload(_ id: String, event: EventType, url: String?) throws(WebhookError) -> JSON {
        let found = try record(id)
        return Mailer.payload(event, of: found.header, url: event.name == "click" ? (url ?? MailLife.firstLink(in: found.html)) : nil,
                              extras: mailer.dispatcher.options.payloadExtras)
    }

    func record(_ id: String) throws(WebhookError) -> MailRecord {
        guard let found = try store.mail(account: account, id: try mailID(id)) else { throw .mailNotFound(id) }
        return found
    }

    /// A mail of the account by its id in the log or its email id.
    func mailID(_ given: String) throws(WebhookError) -> Int {
        if let number = Mailer.logNumber(given) { return number }
        guard let found = try store.mailID(account: account, emailID: given) else { throw .mailNotFound(given) }
        return found
    }

    func watch(_ ids: Set<Int>, messageID: String, _ wait: DeliveryWait) throws(WebhookError) -> (deliveries: [JSON], pending: Int) {
        try store.watch(account: account, ids, messageID: messageID, wait)
    }
}
