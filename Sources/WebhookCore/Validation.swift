import WhsSupport

/// The rules of API.md for each field, in one place: the shell, the stores and the server all
/// call these, so a value is valid or invalid the same way everywhere.
public enum Validation {
    public static let maxURLBytes = 2048
    public static let maxAPIUserLength = 64

    /// An absolute http or https URL with a host, at most 2048 bytes, no white space or control
    /// characters, no user:password part. Returns the URL as given.
    public static func url(_ text: String) throws(WebhookError) -> String {
        func reject(_ why: String) -> WebhookError {
            .invalidParameter("url must be an absolute http(s) URL, got \(quoted(text)): \(why)")
        }
        if text.utf8.count > maxURLBytes { throw .invalidParameter("url is longer than \(maxURLBytes) bytes") }
        guard let schemeEnd = text.firstRange(of: "://") else { throw reject("no http:// or https:// scheme") }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { throw reject("scheme must be http or https") }
        if text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) {
            throw reject("it contains white space or a control character")
        }
        let rest = text[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if authority.contains("@") { throw reject("a user:password part is not allowed") }
        var host = Substring(authority)
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw reject("unclosed IPv6 address") }
            let after = host[host.index(after: close)...]
            if !after.isEmpty { try port(after.dropFirst(after.hasPrefix(":") ? 1 : 0), whole: after, reject) }
            host = host[host.index(after: host.startIndex)..<close]
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw reject("invalid IPv6 address")
            }
            return text
        }
        if let colon = host.lastIndex(of: ":") {
            try port(host[host.index(after: colon)...], whole: host[colon...], reject)
            host = host[..<colon]
        }
        guard !host.isEmpty else { throw reject("it has no host") }
        guard host.unicodeScalars.allSatisfy({ isHostScalar($0) }), !host.hasPrefix("."), !host.contains("..") else {
            throw reject("invalid host \(quoted(String(host)))")
        }
        return text
    }

    private static func port(_ digits: Substring, whole: Substring, _ reject: (String) -> WebhookError) throws(WebhookError) {
        guard whole.hasPrefix(":"), !digits.isEmpty, digits.allSatisfy(\.isASCIIDigitCharacter),
              let number = Int(digits), (1...65535).contains(number) else {
            throw reject("invalid port \(quoted(String(whole.dropFirst())))")
        }
    }

    private static func isHostScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "-", ".", "_", "~", "%": return true
        default: return scalar.value > 0x7F  // internationalised names are passed on as typed
        }
    }

    /// nil or "" means "all API_USERs" and becomes ""; otherwise 1 to 64 of letters, digits,
    /// `_ . @ -`.
    public static func apiUser(_ name: String?) throws(WebhookError) -> String {
        guard let name, !name.isEmpty else { return "" }
        guard name.count <= maxAPIUserLength else {
            throw .invalidParameter("api_user must be at most \(maxAPIUserLength) characters, got \(name.count)")
        }
        guard name.unicodeScalars.allSatisfy(isAPIUserScalar) else {
            throw .invalidParameter("api_user may hold only letters, digits and _ . @ -, got \(quoted(name))")
        }
        return name
    }

    static func isAPIUserScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "_", ".", "@", "-": return true
        default: return false
        }
    }

    /// A non-empty list of known event codes or names; duplicates collapse.
    public static func events(_ items: [EventInput]) throws(WebhookError) -> EventSet {
        guard !items.isEmpty else { throw .invalidParameter("event must not be empty: name at least one event (\(EventType.catalogue))") }
        var events: [EventType] = []
        for item in items {
            switch item {
            case .code(let code):
                guard let event = EventType.withCode(code) else {
                    throw .invalidParameter("unknown event code \(code) (known: \(EventType.catalogue))")
                }
                events.append(event)
            case .name(let name):
                if let code = Int(name), let event = EventType.withCode(code) {
                    events.append(event)
                } else if let event = EventType.named(name) {
                    events.append(event)
                } else {
                    let hint = Suggestion.hint(for: name, in: EventType.all.map(\.name))
                    throw .invalidParameter("unknown event \(quoted(name))\(hint.isEmpty ? " (known: \(EventType.catalogue))" : hint)")
                }
            }
        }
        return EventSet(events)
    }

    /// A webhook id from a path or an argument: a positive integer.
    public static func id(_ value: Int) throws(WebhookError) -> Int {
        guard value > 0 else { throw .invalidParameter("id must be a positive integer, got \(value)") }
        return value
    }

    /// A string in double quotes with quotes and control characters escaped, for messages.
    public static func quoted(_ text: String) -> String {
        JSON.quote(text)
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
