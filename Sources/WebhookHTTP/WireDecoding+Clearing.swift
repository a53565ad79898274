import WebhookCore
import WhsSupport

/// The server's reading of a reset's body and a delete's filter (docs/OPERATIONS.md).
extension WireDecoding {
    static let resetFields = ["parts"]
    static let deleteParameters = ["before"]

    /// `POST /v1/reset`: no body (or `{}`) for every part, or `{"parts": ["mails", ...]}`.
    static func resetParts(_ body: [UInt8]) throws(WebhookError) -> Set<ResetPart> {
        let every = Set(ResetPart.allCases)
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return every }
        let fields = try object(body, allowed: resetFields)
        switch fields["parts"] {
        case nil, .null?:
            return every
        case .array(let items)?:
            guard !items.isEmpty else {
                throw .invalidParameter("parts is empty: name some of \(ResetPart.names), or leave parts out to reset everything")
            }
            var parts: Set<ResetPart> = []
            for item in items {
                guard case .string(let name) = item else {
                    throw .invalidParameter("parts must be names of parts (\(ResetPart.names)), got \(item.text.prefix(40)) in it")
                }
                parts.insert(try ResetPart.named(name))
            }
            return parts
        case let other?:
            throw .invalidParameter("parts must be an array of part names (\(ResetPart.names)), got \(other.text.prefix(40))")
        }
    }

    /// `DELETE /v1/mails` and `/v1/deliveries`: `before=` (an age or an ISO 8601 time), or
    /// nothing for everything.
    static func cutoff(_ raw: String?) throws(WebhookError) -> Double? {
        let values = try queryValues(raw, allowed: deleteParameters)
        guard let text = values["before"] else { return nil }
        return try Cutoff.seconds(text, now: Clock.now())
    }
}
