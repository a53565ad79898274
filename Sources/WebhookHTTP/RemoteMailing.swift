import Glibc
import MailSandbox
import WebhookCore
import WhsSupport

/// The sending side through a server: its send routes, and its extensions for templates and the
/// mail log (docs/SENDING.md). `wait` polls the server's delivery log until the send's pushes
/// settle.
public final class RemoteMailing: Mailing {
    let remote: RemoteService
    let isInterrupted: () -> Bool

    public init(remote: RemoteService, isInterrupted: @escaping () -> Bool) {
        self.remote = remote
        self.isInterrupted = isInterrupted
    }

    /// The server keeps its own (`whs serve --event-delay`).
    public var eventDelay: Double {
        get { Mailer.defaultEventDelay }
        set {}
    }

    public func send(_ body: JSON, template: Bool, apiUser: String?, wait: Bool) throws(WebhookError) -> JSON {
        let connected = remote.remoteEndpoint?.apiUser ?? ""
        if let apiUser, !apiUser.isEmpty, apiUser != connected {
            throw .invalidParameter("on a server, mail goes out under the API_USER you connected as (\(connected)), not \(Validation.quoted(apiUser))")
        }
        let answer = try remote.send(.send(body, template: template))
        if wait, case .array(let ids)? = answer["email_ids"], case .string(let first)? = ids.first {
            guard case .string(let messageID)? = try remote.send(.mail(first))["message_id"] else { throw Decode.unexpected(answer) }
            try poll(messageID: messageID)
        }
        return answer
    }

    public func putTemplate(name: String, subject: String, html: String, text: String) throws(WebhookError) -> JSON {
        try remote.send(.putTemplate(name: name, subject: subject, html: html, text: text))
    }

    public func templates() throws(WebhookError) -> JSON { try remote.send(.templates) }
    public func template(name: String) throws(WebhookError) -> JSON { try remote.send(.template(name: name)) }
    public func deleteTemplate(name: String) throws(WebhookError) -> JSON { try remote.send(.deleteTemplate(name: name)) }
    public func mails(_ query: MailQuery) throws(WebhookError) -> JSON { try remote.send(.mails(query)) }
    public func mail(_ id: String) throws(WebhookError) -> JSON { try remote.send(.mail(id)) }

    public func engage(_ id: String, event: EventType, url: String?, wait: Bool) throws(WebhookError) -> JSON {
        let mail = try remote.send(.engage(id, event: event, url: url))
        if wait, case .string(let messageID)? = mail["message_id"] { try poll(messageID: messageID) }
        return wait ? try remote.send(.mail(id)) : mail
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

    /// Reads the send's deliveries until none is pending.
    func poll(messageID: String) throws(WebhookError) {
        while true {
            let answer = try remote.send(.deliveries(DeliveryQuery(messageID: messageID, limit: DeliveryQuery.maxLimit)))
            guard case .array(let all)? = answer["deliveries"] else { throw Decode.unexpected(answer) }
            if !all.contains(where: { $0["state"] == .string(DeliveryState.pending.rawValue) }) { return }
            if isInterrupted() { throw .unreachable("interrupted while waiting; the server goes on delivering") }
            usleep(RemoteEventDelivery.pollMicroseconds)
        }
    }
}
