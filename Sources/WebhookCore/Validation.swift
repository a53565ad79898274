import WhsSupport

/// The rules of API.md for each field, in one place: the shell, the stores and the server all
/// call these, so a value is valid or invalid the same way everywhere.
public enum Validation {
    public static let maxURLBytes = 2048
    public static let maxAPIUserLength = 64

    /// An absolute http or https URL with a host, at most 2048 bytes, no white space or control
    /// characters, no user:password part. Returns the URL as given. Works on the UTF-8 bytes:
    /// it runs for every add, and Character-level string work costs more than the insert.
    public static func url(_ text: String) throws(WebhookError) -> String {
        func reject(_ why: String) -> WebhookError {
            .invalidParameter("url must be an absolute http(s) URL, got \(quoted(text)): \(why)")
        }
        if text.utf8.count > maxURLBytes { throw .invalidParameter("url is longer than \(maxURLBytes) bytes") }
        var contiguous = text
        let failure: WebhookError? = contiguous.withUTF8 { bytes in
            do throws(WebhookError) { try checkURL(bytes, reject) } catch { return error }
            return nil
        }
        if let failure { throw failure }
        return text
    }

    private static func checkURL(_ bytes: UnsafeBufferPointer<UInt8>, _ reject: (String) -> WebhookError) throws(WebhookError) {
        // The scheme: "http://" or "https://", in any case.
        var schemeEnd = 0
        while schemeEnd < bytes.count, bytes[schemeEnd] != UInt8(ascii: ":") { schemeEnd += 1 }
        guard schemeEnd + 2 < bytes.count, bytes[schemeEnd + 1] == UInt8(ascii: "/"), bytes[schemeEnd + 2] == UInt8(ascii: "/") else {
            throw reject("no http:// or https:// scheme")
        }
        // ASCII case folding: `| 0x20` lowers a letter and leaves the bytes compared here alone.
        let scheme = bytes[0..<schemeEnd].map { $0 | 0x20 }
        guard scheme.elementsEqual("http".utf8) || scheme.elementsEqual("https".utf8) else {
            throw reject("scheme must be http or https")
        }
        if bytes.contains(where: { $0 <= 0x20 || $0 == 0x7F }) || containsUnicodeSpace(bytes) {
            throw reject("it contains white space or a control character")
        }
        let authorityStart = schemeEnd + 3
        var authorityEnd = authorityStart
        while authorityEnd < bytes.count {
            let byte = bytes[authorityEnd]
            if byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#") { break }
            authorityEnd += 1
        }
        let authority = bytes[authorityStart..<authorityEnd]
        if authority.contains(UInt8(ascii: "@")) { throw reject("a user:password part is not allowed") }
        var hostEnd = authorityEnd
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { throw reject("unclosed IPv6 address") }
            if close + 1 < authorityEnd { try port(bytes[(close + 1)..<authorityEnd], reject) }
            let address = String(decoding: UnsafeBufferPointer(rebasing: bytes[(authorityStart + 1)..<close]), as: UTF8.self)
            guard isIPv6(address) else { throw reject("invalid IPv6 address") }
            return
        }
        if let colon = authority.lastIndex(of: UInt8(ascii: ":")) {
            try port(bytes[colon..<authorityEnd], reject)
            hostEnd = colon
        }
        let host = bytes[authorityStart..<hostEnd]
        guard !host.isEmpty else { throw reject("it has no host") }
        guard host.allSatisfy(isHostByte), host.first != UInt8(ascii: "."),
              !zip(host, host.dropFirst()).contains(where: { $0 == UInt8(ascii: ".") && $1 == UInt8(ascii: ".") }) else {
            throw reject("invalid host \(quoted(String(decoding: UnsafeBufferPointer(rebasing: host), as: UTF8.self)))")
        }
    }

    /// `:digits` with a value from 1 to 65535.
    private static func port(_ part: Slice<UnsafeBufferPointer<UInt8>>, _ reject: (String) -> WebhookError) throws(WebhookError) {
        let digits = part.dropFirst()
        let text = String(decoding: UnsafeBufferPointer(rebasing: digits), as: UTF8.self)
        guard part.first == UInt8(ascii: ":"), !digits.isEmpty, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let number = Int(text), (1...65535).contains(number) else {
            throw reject("invalid port \(quoted(text))")
        }
    }

    /// Non-ASCII white space (no-break space, line separator...) hides in pasted URLs too.
    private static func containsUnicodeSpace(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.contains(where: { $0 >= 0x80 }) else { return false }
        return String(decoding: bytes, as: UTF8.self).unicodeScalars.contains {
            $0.properties.isWhitespace || $0.properties.generalCategory == .control
        }
    }

    /// An IPv6 address in text (RFC 4291 2.2): eight groups of 1 to 4 hex digits, `::` once for
    /// a run of zero groups, the last 32 bits optionally as a dotted IPv4 address. No zone.
    static func isIPv6(_ text: String) -> Bool {
        let halves = text.split(separator: "::", omittingEmptySubsequences: false).map(String.init)
        guard halves.count <= 2 else { return false }
        func groups(_ part: String) -> Int? {
            if part.isEmpty { return 0 }
            var count = 0
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, piece.contains(".") {
                    let octets = piece.split(separator: ".", omittingEmptySubsequences: false)
                    // Decimal 0 to 255 without leading zeros (which some parsers read as octal).
                    guard octets.count == 4, octets.allSatisfy({ octet in
                        (1...3).contains(octet.count) && octet.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
                            && UInt8(octet) != nil && !(octet.count > 1 && octet.first == "0")
                    }) else { return nil }
                    count += 2
                } else {
                    guard (1...4).contains(piece.count), piece.utf8.allSatisfy(isHexDigit) else { return nil }
                    count += 1
                }
            }
            return count
        }
        guard let head = groups(halves[0]) else { return false }
        if halves.count == 1 { return head == 8 && !halves[0].hasSuffix(".") }
        guard let tail = groups(halves[1]) else { return false }
        return head + tail <= 7
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
    }

    private static func isHostByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "%"):
            return true
        default:
            return byte >= 0x80  // internationalised names are passed on as typed
        }
    }

    /// nil or "" means "all API_USERs" and becomes ""; otherwise 1 to 64 of letters, digits,
    /// `_ . @ -`.
    public static func apiUser(_ name: String?) throws(WebhookError) -> String {
        guard let name, !name.isEmpty else { return "" }
        // Every allowed character is ASCII, so bytes are characters once the check passes.
        guard name.utf8.allSatisfy(isAPIUserByte) else {
            throw .invalidParameter("api_user may hold only letters, digits and _ . @ -, got \(quoted(name))")
        }
        guard name.utf8.count <= maxAPIUserLength else {
            throw .invalidParameter("api_user must be at most \(maxAPIUserLength) characters, got \(name.utf8.count)")
        }
        return name
    }

    public static func isAPIUserByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "@"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    /// A non-empty list of known event codes or names; duplicates collapse.
    public static func events(_ items: [EventInput]) throws(WebhookError) -> EventSet {
        guard !items.isEmpty else { throw .invalidParameter("event must not be empty: name at least one event (\(EventType.catalogue))") }
        var events = EventSet(mask: 0)
        for item in items {
            switch item {
            case .code(let code):
                guard let event = EventType.withCode(code) else {
                    throw .invalidParameter("unknown event code \(code) (known: \(EventType.catalogue))")
                }
                events.insert(event)
            case .name(let name):
                if let event = EventType.named(name) {
                    events.insert(event)
                } else if let code = Int(name), let event = EventType.withCode(code) {
                    events.insert(event)
                } else {
                    let hint = Suggestion.hint(for: name, in: EventType.all.map(\.name))
                    throw .invalidParameter("unknown event \(quoted(name))\(hint.isEmpty ? " (known: \(EventType.catalogue))" : hint)")
                }
            }
        }
        return events
    }

    /// A webhook id from a path or an argument: a positive integer.
    public static func id(_ value: Int) throws(WebhookError) -> Int {
        guard value > 0 else { throw .invalidParameter("id must be a positive integer, got \(value)") }
        return value
    }

    /// The `event=` filter of a log's query (a name of the page's events), nil when absent.
    static func eventFilter(_ name: String?) throws(WebhookError) -> EventType? {
        guard let name, !name.isEmpty else { return nil }
        guard let known = EventType.named(name) else {
            throw .invalidParameter("event must be one of \(EventType.all.map(\.name).joined(separator: ", ")), got \(quoted(name))")
        }
        return known
    }

    /// The `before_id=` of a log's page: the ids below it, nil when absent.
    static func beforeID(_ id: Int?) throws(WebhookError) -> Int? {
        guard let id else { return nil }
        guard id > 0 else { throw .invalidParameter("before_id must be a positive id, got \(id)") }
        return id
    }

    /// A string in double quotes with quotes and control characters escaped, for messages.
    public static func quoted(_ text: String) -> String {
        JSON.quote(text)
    }
}

