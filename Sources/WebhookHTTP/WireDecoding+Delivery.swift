import WebhookCore
import WhsSupport

/// The server's reading of the delivery extension (docs/DELIVERY.md): `POST /v1/events` and
/// `GET /v1/deliveries`.
extension WireDecoding {
    static let triggerFields = ["event", "api_user", "to", "data"]
    static let deliveryParameters = ["webhook_id", "state", "message_id", "event", "before_id", "failing_first", "limit"]

    /// `{"event": "deliver" or 1, "api_user": ..., "to": ..., "data": {...}}`.
    static func trigger(_ body: [UInt8]) throws(WebhookError) -> EventTrigger {
        let fields = try object(body, allowed: triggerFields)
        let event: EventType
        switch fields["event"] {
        case .string(let name)?:
            guard let known = EventType.named(name) else { throw .invalidParameter("unknown event \(Validation.quoted(name)) (known: \(EventType.catalogue))") }
            event = known
        case .int(let code)?:
            guard let known = EventType.withCode(code) else { throw .invalidParameter("unknown event code \(code) (known: \(EventType.catalogue))") }
            event = known
        case nil, .null?:
            throw .invalidParameter("event is required: a name or a code, e.g. \"deliver\" or 1")
        case let other?:
            throw .invalidParameter("event must be a name or a code, got \(other.text.prefix(40))")
        }
        let apiUser = try Validation.apiUser(try string(fields, "api_user", required: false) ?? "")
        var data: JSON?
        switch fields["data"] {
        case nil, .null?: data = nil
        case .object(let members)?: data = .object(members)
        case let other?: throw .invalidParameter("data must be an object of payload fields, got \(other.text.prefix(40))")
        }
        return EventTrigger(event: event, apiUser: apiUser, to: try string(fields, "to", required: false), data: data)
    }

    /// `webhook_id=&state=&message_id=&limit=`.
    static func deliveryQuery(_ raw: String?) throws(WebhookError) -> DeliveryQuery {
        let values = try queryValues(raw, allowed: deliveryParameters)
        return try DeliveryQuery.validated(webhookID: try integer(values, "webhook_id"), state: values["state"],
                                           messageID: values["message_id"], event: values["event"], before: try integer(values, "before_id"),
                                           failingFirst: values["failing_first"], limit: try integer(values, "limit"))
    }
}
