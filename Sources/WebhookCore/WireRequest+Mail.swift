import WhsSupport

/// The sending side's calls as HTTP: the four published send routes and whs serve's own
/// extensions for templates and the mail log (docs/SENDING.md).
extension WireRequest {
    public static func send(_ body: JSON, route: MailRoute) -> WireRequest {
        WireRequest(method: .post, path: route.path, query: [], body: body)
    }

    public static let templates = WireRequest(method: .get, path: "/v1/templates", query: [], body: nil)

    public static func putTemplate(name: String, subject: String, html: String, text: String) -> WireRequest {
        WireRequest(method: .put, path: "/v1/templates/\(pathSegment(name))", query: [],
                    body: .object([("subject", .string(subject)), ("html", .string(html)), ("text", .string(text))]))
    }

    public static func template(name: String) -> WireRequest {
        WireRequest(method: .get, path: "/v1/templates/\(pathSegment(name))", query: [], body: nil)
    }

    public static func deleteTemplate(name: String) -> WireRequest {
        WireRequest(method: .delete, path: "/v1/templates/\(pathSegment(name))", query: [], body: nil)
    }

    public static func mails(_ query: MailQuery) -> WireRequest {
        var items: [(String, String)] = []
        if let to = query.to { items.append(("to", to)) }
        if let messageID = query.messageID { items.append(("message_id", messageID)) }
        if let subject = query.subject { items.append(("subject", subject)) }
        if let event = query.event { items.append(("event", event.name)) }
        if let before = query.before { items.append(("before_id", String(before))) }
        items.append(("limit", String(query.limit)))
        return WireRequest(method: .get, path: "/v1/mails", query: items, body: nil)
    }

    /// A mail by its id in the log or its email id.
    public static func mail(_ id: String) -> WireRequest {
        WireRequest(method: .get, path: "/v1/mails/\(pathSegment(id))", query: [], body: nil)
    }

    public static func engage(_ id: String, event: EventType, url: String?) -> WireRequest {
        var fields: [(key: String, value: JSON)] = [("event", .string(event.name))]
        if let url { fields.append(("url", .string(url))) }
        return WireRequest(method: .post, path: "/v1/mails/\(pathSegment(id))/events", query: [], body: .object(fields))
    }

    /// A path segment with everything but unreserved characters percent-encoded.
    static func pathSegment(_ text: String) -> String {
        WireRequest(method: .get, path: "", query: [], body: nil).percentEncoded(text)
    }
}
