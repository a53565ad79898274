import Synchronization
import WebhookCore
import WhsSupport

/// The body of an event push (API.md, "Event push"): one envelope for every event, with
/// `status` for the status events and `response` for the engagement events. Sample values
/// look like a real send; `EventTrigger.data` replaces any of them (a deep merge).
public enum EventPayload {
    /// Events that report what happened to the mail; the others report what the recipient did.
    public static let statusEvents: Set<String> = ["request", "deliver", "sent", "invalid", "soft_bounce"]

    /// The body for `trigger` made now, with a new message id.
    public static func build(_ trigger: EventTrigger, at now: Double = Clock.now()) throws(WebhookError) -> JSON {
        let itime = Int(now * 1000)
        return try build(trigger, messageID: newMessageID(itime: itime), itime: itime)
    }

    /// The body for `trigger`, its time (`itime`, milliseconds) and message id fixed by the caller.
    public static func build(_ trigger: EventTrigger, messageID: String, itime: Int) throws(WebhookError) -> JSON {
        let to = trigger.to ?? "user@example.com"
        var body: JSON = .object([
            ("message_id", .string(messageID)),
            ("from", .string("support@example.com")),
            ("subject", .string("Welcome to Example")),
            ("to", .string(to)),
            ("server", .string("email")),
            ("itime", .int(itime)),
            ("custom_args", .object([])),
            detail(trigger.event, apiUser: trigger.apiUser, itime: itime),
        ])
        if let data = trigger.data {
            guard case .object = data else { throw .invalidParameter("data must be an object of payload fields, e.g. {subject: \"Hi\"}") }
            body = merge(data, into: body)
        }
        return body
    }

    /// `status` or `response` with the event's own sample data.
    static func detail(_ event: EventType, apiUser: String, itime: Int) -> (key: String, value: JSON) {
        let sample: [(key: String, value: JSON)]
        let browser: [(key: String, value: JSON)] = [
            ("ip", .string("203.0.113.7")),
            ("user_agent", .string("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148")),
        ]
        switch event.name {
        case "request": sample = [("api_user", .string(apiUser)), ("request_time", .int(itime))]
        case "deliver": sample = [("smtp_response", .string("250 2.0.0 OK: queued as 4Xk2mZ1qP9")), ("mx", .string("mx.example.com")), ("delivered_time", .int(itime))]
        case "sent": sample = [("smtp_response", .string("250 2.0.0 Ok: queued")), ("sent_time", .int(itime))]
        case "invalid": sample = [("reason", .string("mailbox does not exist")), ("code", .int(550)), ("smtp_response", .string("550 5.1.1 user unknown"))]
        case "soft_bounce": sample = [("reason", .string("mailbox full")), ("code", .int(452)), ("smtp_response", .string("452 4.2.2 Mailbox full"))]
        case "open": sample = browser + [("open_time", .int(itime))]
        case "click": sample = browser + [("url", .string("https://example.com/welcome?utm_source=email")), ("click_time", .int(itime))]
        case "unsubscribe": sample = browser + [("unsubscribe_time", .int(itime))]
        default: sample = [("feedback_type", .string("abuse")), ("isp", .string("example-mail.com")), ("report_time", .int(itime))]
        }
        if statusEvents.contains(event.name) {
            return ("status", .object([("message_status", .string(event.name)), ("status_data", .object(sample))]))
        }
        return ("response", .object([("event", .string(event.name)), ("response_data", .object(sample))]))
    }

    /// `patch` laid over `base`: objects merge key by key (new keys go last), anything else
    /// replaces what was there.
    public static func merge(_ patch: JSON, into base: JSON) -> JSON {
        guard case .object(let changes) = patch, case .object(var members) = base else { return patch }
        for change in changes {
            if let index = members.firstIndex(where: { $0.key == change.key }) {
                members[index].value = merge(change.value, into: members[index].value)
            } else {
                members.append(change)
            }
        }
        return .object(members)
    }

    private static let sequence = Atomic<Int>(0)

    /// `1764176584512_00001_9f3c2a71`: time in milliseconds, a per-process sequence, and
    /// random bits, so ids from several processes do not collide.
    public static func newMessageID(itime: Int) -> String {
        let next = sequence.add(1, ordering: .relaxed).newValue
        return "\(itime)_\(String(next).leftPadded(5))_\(Hex.encode((0..<4).map { _ in UInt8.random(in: 0...255) }))"
    }

    /// The message id a (possibly overridden) body carries.
    public static func messageID(of body: JSON) -> String? {
        if case .string(let id)? = body["message_id"] { return id }
        return nil
    }
}
