import WebhookCore
import WhsSupport

/// The server's reading of requests: query strings and JSON bodies into the core's validated
/// types, with a 400 that names the parameter or field for anything else.
enum WireDecoding {
    static let bodyFields = ["url", "api_user", "event"]
    static let queryParameters = ["api_user", "offset", "limit"]

    /// `api_user=&offset=&limit=`: each at most once, nothing else.
    static func query(_ raw: String?) throws(WebhookError) -> WebhookQuery {
        let values = try queryValues(raw, allowed: queryParameters)
        let apiUser = values["api_user"].flatMap { $0.isEmpty ? nil : $0 }
        return try WebhookQuery.validated(apiUser: apiUser, offset: try integer(values, "offset"), limit: try integer(values, "limit"))
    }

    /// The parameters of a query string, each at most once and each one of `allowed`.
    static func queryValues(_ raw: String?, allowed: [String]) throws(WebhookError) -> [String: String] {
        var values: [String: String] = [:]
        for pair in (raw ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = percentDecoded(parts[0]) else { throw .invalidParameter("query parameter is not valid percent-encoding") }
            guard allowed.contains(name) else {
                throw .invalidParameter("unknown query parameter \(Validation.quoted(name))\(Suggestion.hint(for: name, in: allowed)) (allowed: \(allowed.joined(separator: ", ")))")
            }
            guard values[name] == nil else { throw .invalidParameter("query parameter \(name) is given twice") }
            guard let value = percentDecoded(parts.count > 1 ? parts[1] : "") else {
                throw .invalidParameter("\(name) is not valid percent-encoding")
            }
            values[name] = value
        }
        return values
    }

    static func integer(_ values: [String: String], _ name: String) throws(WebhookError) -> Int? {
        guard let text = values[name] else { return nil }
        guard let number = Int(text) else { throw .invalidParameter("\(name) must be an integer, got \(Validation.quoted(text))") }
        return number
    }

    /// The add body: `{"url": ..., "api_user": ..., "event": [...]}`.
    static func draft(_ body: [UInt8]) throws(WebhookError) -> WebhookDraft {
        let fields = try object(body)
        return try WebhookDraft.validated(
            url: try string(fields, "url", required: true),
            apiUser: try string(fields, "api_user", required: false),
            events: try events(fields))
    }

    /// The modify body: any of the fields; null is the same as absent. No body at all changes
    /// nothing; a body of only spaces or line ends is not JSON, and the parser refuses it like
    /// any other (docs/FIDELITY.md F-13).
    static func patch(_ body: [UInt8]) throws(WebhookError) -> WebhookPatch {
        let fields = body.isEmpty ? [:] : try object(body)
        return try WebhookPatch.validated(
            url: try string(fields, "url", required: false),
            apiUser: try string(fields, "api_user", required: false),
            events: try events(fields))
    }

    static func object(_ body: [UInt8], allowed: [String] = bodyFields) throws(WebhookError) -> [String: JSON] {
        guard !body.isEmpty else { throw .invalidJSON("the body is empty") }
        let document: JSON
        do { document = try JSON.parse(bytes: body, maxDepth: 32) } catch { throw .invalidJSON(error.description) }
        guard case .object(let members) = document else { throw .invalidJSON("it is not an object") }
        var fields: [String: JSON] = [:]
        for member in members {
            guard allowed.contains(member.key) else {
                let hint = Suggestion.hint(for: member.key, in: allowed)
                throw .unknownField("unknown field \(Validation.quoted(member.key))\(hint.isEmpty ? " (fields: \(allowed.joined(separator: ", ")))" : hint)")
            }
            guard fields[member.key] == nil else { throw .invalidParameter("field \(member.key) is given twice") }
            fields[member.key] = member.value
        }
        return fields
    }

    static func string(_ fields: [String: JSON], _ name: String, required: Bool) throws(WebhookError) -> String? {
        switch fields[name] {
        case nil, .null?:
            if required { throw .invalidParameter("\(name) is required") }
            return nil
        case .string(let text)?: return text
        case let other?: throw .invalidParameter("\(name) must be a string, got \(other.text.prefix(40))")
        }
    }

    static func events(_ fields: [String: JSON]) throws(WebhookError) -> [EventInput]? {
        switch fields["event"] {
        case nil, .null?: return nil
        case .array(let items)?:
            var inputs: [EventInput] = []
            for item in items {
                switch item {
                case .int(let code): inputs.append(.code(code))
                case .string(let name): inputs.append(.name(name))
                default: throw .invalidParameter("event must be an array of event codes (or names), e.g. [1, 3]; got \(item.text.prefix(40)) in it")
                }
            }
            return inputs
        case let other?:
            throw .invalidParameter("event must be an array of event codes (or names), e.g. [1, 3]; got \(other.text.prefix(40))")
        }
    }

    /// A positive id from a path segment.
    static func id(_ segment: Substring) throws(WebhookError) -> Int {
        guard !segment.isEmpty, segment.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let id = Int(segment), id > 0 else {
            throw .invalidParameter("id must be a positive integer, got \(Validation.quoted(String(segment.prefix(40))))")
        }
        return id
    }

    /// A query string's part: `+` is a space. In a path (`plusIsSpace: false`) it is itself.
    static func percentDecoded(_ text: Substring, plusIsSpace: Bool = true) -> String? {
        // Most parts (`limit`, `10`) have nothing to decode: taken as they are, no copy made.
        if !text.utf8.contains(where: { $0 == UInt8(ascii: "%") || ($0 == UInt8(ascii: "+") && plusIsSpace) }) { return String(text) }
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+") where plusIsSpace: bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next(), let low = iterator.next(),
                      let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else { return nil }
                bytes.append(value)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
