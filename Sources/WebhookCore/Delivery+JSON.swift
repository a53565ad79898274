import WhsSupport

/// Deliveries in their wire form (docs/DELIVERY.md), which `GET /v1/deliveries` answers and
/// the shell shows. Times are ISO 8601 in UTC.
extension Delivery {
    public var json: JSON {
        var members: [(key: String, value: JSON)] = [
            ("id", .int(id)),
            ("webhook_id", .int(webhookID)),
            ("url", .string(url)),
            ("event", .string(event.name)),
            ("message_id", .string(messageID)),
            ("state", .string(state.rawValue)),
            ("attempts", .array(attempts.map(\.json))),
            ("next_attempt", nextAttempt.map { .string(Clock.iso8601($0)) } ?? .null),
            ("created", .string(Clock.iso8601(created))),
        ]
        if let fault { members.append(("fault", .string(fault.rawValue))) }
        return .object(members)
    }
}

extension DeliveryAttempt {
    public var json: JSON {
        var members: [(key: String, value: JSON)] = [
            ("number", .int(number)),
            ("time", .string(Clock.iso8601(time))),
            ("status", status.map { .int($0) } ?? .null),
            ("latency_ms", .double((latencyMilliseconds * 10).rounded() / 10)),
            ("error", error.map { .string($0) } ?? .null),
        ]
        if let node { members.append(("node", .string(node))) }
        return .object(members)
    }
}

extension TriggerResult {
    public var json: JSON {
        var members: [(key: String, value: JSON)] = [
            ("message_id", .string(messageID)),
            ("count", .int(deliveries.count)),
            ("deliveries", .array(deliveries.map(\.json))),
        ]
        if let note { members.append(("note", .string(note))) }
        return .object(members)
    }
}

/// `{"count", "deliveries"}`: the answer of a delivery query.
public func deliveriesJSON(_ deliveries: [Delivery]) -> JSON {
    .object([("count", .int(deliveries.count)), ("deliveries", .array(deliveries.map(\.json)))])
}
