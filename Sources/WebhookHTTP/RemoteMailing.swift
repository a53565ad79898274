import MailSandbox
import WebhookCore
import WhsSupport

/// The sending side through a server: its send routes, and its extensions for templates and the
/// mail log (docs/SENDING.md). `wait` polls the server's delivery log until the send's pushes
/// settle.
public final class RemoteMailing: Mailing {
    let remote: RemoteService
    /// The server's delivery log, which the waits read.
    let deliveries: RemoteEventDelivery

    public init(remote: RemoteService) {
        self.remote = remote
        deliveries = RemoteEventDelivery(remote: remote)
    }

    /// The server keeps its own (`whs serve --event-delay`).
    public var eventDelay: Double {
        get { Mailer.defaultEventDelay }
        set {}
    }

    public func send(_ body: JSON, route: MailRoute, apiUser: String?, wait: DeliveryWait?) throws(WebhookError) -> JSON {
        let connected = remote.remoteEndpoint?.apiUser ?? ""
        if let apiUser, !apiUser.isEmpty, apiUser != connected {
            throw .invalidParameter("on a server, mail goes out under the API_USER you connected as (\(connected)), not \(Validation.quoted(apiUser))")
        }
        let sent = try remote.send(.send(body, route: route))
        guard let wait, case .array(let ids)? = sent["email_ids"], case .string(let first)? = ids.first else { return sent }
        // A send's mails share its message id, and every delivery of that id is the send's:
        // one mail says the id, one read of the log says the deliveries.
        guard case .string(let messageID)? = try remote.send(.mail(first))["message_id"] else { throw Decode.unexpected(sent) }
        let log = try remote.send(.deliveries(DeliveryQuery(messageID: messageID, limit: DeliveryQuery.maxLimit)))
        guard case .array(let all)? = log["deliveries"] else { throw Decode.unexpected(log) }
        let started = Set(all.compactMap(DeliveryWatcher.id))
        guard !started.isEmpty else { return answer(sent, settled: 0, pending: 0) }
        let watched = try deliveries.watch(started, messageID: messageID, wait)
        return answer(sent, settled: started.count - watched.pending, pending: watched.pending)
    }

    public func putTemplate(name: String, subject: String, html: String, text: String) throws(WebhookError) -> JSON {
        try remote.send(.putTemplate(name: name, subject: subject, html: html, text: text))
    }

    public func templates() throws(WebhookError) -> JSON { try remote.send(.templates) }
    public func template(name: String) throws(WebhookError) -> JSON { try remote.send(.template(name: name)) }
    public func deleteTemplate(name: String) throws(WebhookError) -> JSON { try remote.send(.deleteTemplate(name: name)) }
    public func mails(_ query: MailQuery) throws(WebhookError) -> JSON { try remote.send(.mails(query)) }
    public func mail(_ id: String) throws(WebhookError) -> JSON { try remote.send(.mail(id)) }

    public func engage(_ id: String, event: EventType, url: String?, wait: DeliveryWait?) throws(WebhookError) -> JSON {
        let mail = try remote.send(.engage(id, event: event, url: url))
        guard let wait, case .string(let messageID)? = mail["message_id"], case .array(let events)? = mail["events"],
              case .array(let caused)? = events.last?["deliveries"] else { return mail }
        _ = try deliveries.watch(Set(caused.compactMap(DeliveryWatcher.id)), messageID: messageID, wait)
        return try remote.send(.mail(id))
    }

    /// Built here from the server's copy of the mail, as the server would build it.
    public func payload(_ id: String, event: EventType, url: String?) throws(WebhookError) -> JSON {
        let mail = try remote.send(.mail(id))
        func text(_ key: String) -> String { if case .string(let value)? = mail[key] { value } else { "" } }
        func number(_ key: String) -> Int? { if case .int(let value)? = mail[key] { value } else { nil } }
        let header = MailHeader(
            messageID: text("message_id"), emailID: text("email_id"), taskID: number("task_id") ?? 0, apiUser: text("api_user"),
            from: text("from"), to: text("to"), address: MailRules.parseAddress(text("to"))?.address ?? text("to"), subject: text("subject"),
            customArgs: mail["custom_args"] ?? .object([]), labelID: number("label_id"), labelName: nil, template: nil)
        let link = event.name == "click" ? (url ?? MailLife.firstLink(in: text("html"))) : nil
        return Mailer.payload(event, of: header, url: link)
    }

}
