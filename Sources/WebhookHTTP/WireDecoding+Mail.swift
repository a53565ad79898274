import WebhookCore
import WhsSupport

/// The server's reading of the sending side's extensions (docs/SENDING.md).
extension WireDecoding {
    static let templateFields = ["subject", "html", "text"]
    static let mailParameters = ["to", "message_id", "subject", "event", "before_id", "limit"]
    static let engagementFields = ["event", "url"]

    /// A template's name or a mail's id from a path segment (percent-decoded; `+` stays).
    static func name(_ segment: Substring) throws(WebhookError) -> String {
        guard let name = percentDecoded(segment, plusIsSpace: false), !name.isEmpty else {
            throw .invalidParameter("\(Validation.quoted(String(segment.prefix(40)))) is not valid percent-encoding")
        }
        return name
    }

    /// A send route's body: any JSON object; `MailRules` reads it.
    static func sendBody(_ body: [UInt8]) throws(WebhookError) -> JSON {
        guard !body.isEmpty else { throw .invalidJSON("the body is empty") }
        do { return try JSON.parse(bytes: body) } catch { throw .invalidJSON(error.description) }
    }

    /// `PUT /v1/templates/{name}`: `{"subject", "html", "text"}`.
    static func template(_ body: [UInt8]) throws(WebhookError) -> (subject: String, html: String, text: String) {
        let fields = try object(body, allowed: templateFields)
        return (try string(fields, "subject", required: false) ?? "", try string(fields, "html", required: false) ?? "",
                try string(fields, "text", required: false) ?? "")
    }

    /// `to=&message_id=&limit=`.
    static func mailQuery(_ raw: String?) throws(WebhookError) -> MailQuery {
        let values = try queryValues(raw, allowed: mailParameters)
        return try MailQuery.validated(to: values["to"], messageID: values["message_id"], subject: values["subject"], event: values["event"],
                                       before: try integer(values, "before_id"), limit: try integer(values, "limit"))
    }

    /// `POST /v1/mails/{id}/events`: `{"event": "open", "url": ...}`.
    static func engagement(_ body: [UInt8]) throws(WebhookError) -> (event: EventType, url: String?) {
        let fields = try object(body, allowed: engagementFields)
        guard let name = try string(fields, "event", required: true), let event = EventType.named(name) else {
            throw .invalidParameter("event must be open, click, unsubscribe or report_spam")
        }
        return (event, try string(fields, "url", required: false))
    }
}
