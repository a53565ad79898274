import WhsSupport

/// The delivery extension's calls (docs/DELIVERY.md) as HTTP.
extension WireRequest {
    public static func trigger(_ trigger: EventTrigger) -> WireRequest {
        var fields: [(key: String, value: JSON)] = [("event", .string(trigger.event.name))]
        if !trigger.apiUser.isEmpty { fields.append(("api_user", .string(trigger.apiUser))) }
        if let to = trigger.to { fields.append(("to", .string(to))) }
        if let data = trigger.data { fields.append(("data", data)) }
        return WireRequest(method: .post, path: "/v1/events", query: [], body: .object(fields))
    }

    public static func deliveries(_ query: DeliveryQuery) -> WireRequest {
        var items: [(String, String)] = []
        if let webhookID = query.webhookID { items.append(("webhook_id", String(webhookID))) }
        if let state = query.state { items.append(("state", state.rawValue)) }
        if let messageID = query.messageID { items.append(("message_id", messageID)) }
        if let event = query.event { items.append(("event", event.name)) }
        if let before = query.before { items.append(("before_id", String(before))) }
        if query.failingFirst { items.append(("failing_first", "true")) }
        items.append(("limit", String(query.limit)))
        return WireRequest(method: .get, path: "/v1/deliveries", query: items, body: nil)
    }

    public static func redeliver(id: Int) -> WireRequest {
        WireRequest(method: .post, path: "/v1/deliveries/\(id)/redeliver", query: [], body: nil)
    }

    public static let appKey = WireRequest(method: .get, path: "/v1/app_key", query: [], body: nil)
}
