import WhsSupport

/// One API call as HTTP: method, path, query and JSON body, as API.md lays them out. The
/// remote client sends it, `explain` prints it as a curl command, and the server's routes are
/// its mirror image.
public struct WireRequest: Sendable, Equatable {
    public enum Method: String, Sendable {
        case get = "GET", post = "POST", put = "PUT", delete = "DELETE"
    }

    public let method: Method
    public let path: String
    public let query: [(name: String, value: String)]
    public let body: JSON?

    public static func == (a: WireRequest, b: WireRequest) -> Bool {
        a.method == b.method && a.path == b.path && a.body == b.body
            && a.query.map { "\($0.name)=\($0.value)" } == b.query.map { "\($0.name)=\($0.value)" }
    }

    /// True for the calls that may be sent again when they never reached the server.
    public var isIdempotent: Bool { method != .post }

    /// `/v1/webhooks?api_user=a&offset=0&limit=1`
    public var target: String {
        guard !query.isEmpty else { return path }
        return path + "?" + query.map { "\(percentEncoded($0.name))=\(percentEncoded($0.value))" }.joined(separator: "&")
    }

    public static func list(_ query: WebhookQuery) -> WireRequest {
        var items: [(String, String)] = []
        if let apiUser = query.apiUser { items.append(("api_user", apiUser)) }
        items.append(("offset", String(query.offset)))
        items.append(("limit", String(query.limit)))
        return WireRequest(method: .get, path: "/v1/webhooks", query: items, body: nil)
    }

    public static func add(_ draft: WebhookDraft) -> WireRequest {
        var fields: [(key: String, value: JSON)] = [("url", .string(draft.url))]
        if !draft.apiUser.isEmpty { fields.append(("api_user", .string(draft.apiUser))) }
        fields.append(("event", .array(draft.events.codes.map { .int($0) })))
        return WireRequest(method: .post, path: "/v1/webhooks", query: [], body: .object(fields))
    }

    public static func modify(id: Int, _ patch: WebhookPatch) -> WireRequest {
        var fields: [(key: String, value: JSON)] = []
        if let url = patch.url { fields.append(("url", .string(url))) }
        if let apiUser = patch.apiUser { fields.append(("api_user", .string(apiUser))) }
        if let events = patch.events { fields.append(("event", .array(events.codes.map { .int($0) }))) }
        return WireRequest(method: .put, path: "/v1/webhooks/\(id)", query: [], body: .object(fields))
    }

    public static func delete(id: Int) -> WireRequest {
        WireRequest(method: .delete, path: "/v1/webhooks/\(id)", query: [], body: nil)
    }

    /// The same call as a curl command a person can paste. The key is never written: the
    /// command reads it from $WHS_API_KEY.
    public func curl(baseURL: String, apiUser: String) -> String {
        var parts = ["curl", "-X", method.rawValue, "-H", shellQuoted("Content-Type: application/json; charset=utf-8"),
                     "-H", "\"Authorization: Basic $(printf '%s:%s' \(shellQuoted(apiUser)) \"$WHS_API_KEY\" | base64 -w0)\""]
        if let body { parts += ["--data", shellQuoted(body.text)] }
        parts.append(shellQuoted(baseURL + target))
        return parts.joined(separator: " ")
    }

    /// RFC 3986 unreserved characters stay; everything else is %XX.
    func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }

    func shellQuoted(_ text: String) -> String {
        "'" + text.replacingAll("'", with: "'\\''") + "'"
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for character in self { if character == target { out += replacement } else { out.append(character) } }
        return out
    }
}
