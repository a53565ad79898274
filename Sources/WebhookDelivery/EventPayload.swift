import Synchronization
import WebhookCore
import WhsSupport

/// The body of an event push (SENDING.md, "What a mail's webhooks carry"): one envelope for
/// every event, with `status` for the status events and `response` for the engagement events,
/// filled from the mail that caused it. `trigger` and `payload` use the same table with a
/// sample mail; `EventTrigger.data` replaces any field (a deep merge).
public enum EventPayload {
    /// What a push says about the mail it is about.
    public struct Mail: Sendable {
        public var messageID: String
        public var emailID: String
        public var taskID: Int
        public var apiUser: String
        public var from: String
        public var subject: String
        /// The bare address.
        public var to: String
        public var customArgs: JSON
        public var labelID: Int?
        /// The link a click followed.
        public var url: String?

        public init(messageID: String, emailID: String, taskID: Int, apiUser: String, from: String, subject: String, to: String,
                    customArgs: JSON, labelID: Int?, url: String? = nil) {
            self.messageID = messageID
            self.emailID = emailID
            self.taskID = taskID
            self.apiUser = apiUser
            self.from = from
            self.subject = subject
            self.to = to
            self.customArgs = customArgs
            self.labelID = labelID
            self.url = url
        }

        public init(_ header: MailHeader, url: String? = nil) {
            self.init(messageID: header.messageID, emailID: header.emailID, taskID: header.taskID, apiUser: header.apiUser,
                      from: header.from, subject: header.subject, to: header.address, customArgs: header.customArgs,
                      labelID: header.labelID, url: url)
        }

        /// The mail `trigger` pretends an event is about.
        static func sample(_ trigger: EventTrigger, messageID: String) -> Mail {
            let to = trigger.to ?? "user@example.com"
            return Mail(messageID: messageID, emailID: EventPayload.emailID(messageID: messageID, index: 0, address: to),
                        taskID: sampleTaskID(messageID), apiUser: trigger.apiUser, from: "support@example.com",
                        subject: "Welcome to Example", to: to, customArgs: .object([]), labelID: nil,
                        url: "https://example.com/welcome?utm_source=email")
        }
    }

    /// The body for `trigger` made now, with a new message id.
    public static func build(_ trigger: EventTrigger, at now: Double = Clock.now(), extras: Bool = false) throws(WebhookError) -> JSON {
        let itime = Int(now * 1000)
        return try build(trigger, messageID: newMessageID(itime: itime), itime: itime, extras: extras)
    }

    /// The body for `trigger`, its time (`itime`, milliseconds) and message id fixed by the caller.
    public static func build(_ trigger: EventTrigger, messageID: String, itime: Int, extras: Bool = false) throws(WebhookError) -> JSON {
        let body = build(trigger.event, of: .sample(trigger, messageID: messageID), itime: itime, extras: extras)
        guard let data = trigger.data else { return body }
        guard case .object = data else { throw .invalidParameter("data must be an object of payload fields, e.g. {subject: \"Hi\"}") }
        return merge(data, into: body)
    }

    /// The body of `event` for `mail`, made at `itime` (milliseconds). The request event's
    /// envelope leaves `from`, `subject` and `to` empty, as the real service does. `extras`:
    /// also the fields no public source shows (`PushOptions.payloadExtras`).
    public static func build(_ event: EventType, of mail: Mail, itime: Int, extras: Bool = false) -> JSON {
        let isRequest = event.name == "request"
        return .object([
            ("message_id", .string(mail.messageID)),
            ("from", .string(isRequest ? "" : mail.from)),
            ("subject", .string(isRequest ? "" : mail.subject)),
            ("to", .string(isRequest ? "" : mail.to)),
            ("server", .string("email")),
            ("itime", .int(itime)),
            ("custom_args", mail.customArgs),
            detail(event, of: mail, extras: extras),
        ])
    }

    /// The text of `message` in each event's data. "Successfully sent", "successfully request"
    /// (the "WebHook" page) and "open email" (a production push integrators logged) are
    /// published; the rest are whs's, in the same manner (docs/FIDELITY.md).
    public static func message(_ event: EventType) -> String {
        switch event.name {
        case "request": "successfully request"
        case "sent": "Successfully sent"
        case "deliver": "Successfully delivered"
        case "invalid": "Invalid address"
        case "soft_bounce": "Soft bounce"
        default: "\(event.name) email"
        }
    }

    /// `status` or `response`: the event's name in a push (`EventType.wireName`) and its data.
    /// By default only the fields a public source shows: `message`, `task_id`, `api_user` and
    /// `email_id` for the status events (the "WebHook" page's `sent`), `email_id` and
    /// `message` for the engagement events (a production `open` push).
    static func detail(_ event: EventType, of mail: Mail, extras: Bool) -> (key: String, value: JSON) {
        let common: [(key: String, value: JSON)] = [("task_id", .int(mail.taskID)), ("api_user", .string(mail.apiUser))]
        let browser: [(key: String, value: JSON)] = [
            ("ip", .string("203.0.113.7")),
            ("explorer_name", .string("Mobile Safari")),
            ("explorer_ver", .string("17.0")),
            ("os_name", .string("iOS")),
            ("os_ver", .string("17.0")),
            ("user_agent", .string("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148")),
        ]
        func failure(_ message: String, _ subStat: Int) -> [(key: String, value: JSON)] {
            extras ? [("error_detail", .object([("message", .string(message)), ("sub_stat", .int(subStat))]))] : []
        }
        let email: (key: String, value: JSON) = ("email_id", .string(mail.emailID))
        let said: (key: String, value: JSON) = ("message", .string(message(event)))
        let data: [(key: String, value: JSON)]
        switch event.name {
        case "request":
            data = [said] + common + [
                ("from", .string(mail.from)), ("subject", .string(mail.subject)), ("tos", .array([.string(mail.to)])),
                ("email_ids", .array([.string(mail.emailID)])), ("label_id", .int(mail.labelID ?? 0)),
            ]
        case "sent": data = [said] + common + [email]
        case "deliver": data = [said] + common + [email] + (extras ? [("smtp_response", .string("250 2.0.0 OK: queued"))] : [])
        case "invalid": data = [said] + common + [email] + failure("550 5.1.1 mailbox does not exist", 550)
        case "soft_bounce": data = [said] + common + [email] + failure("452 4.2.2 mailbox full", 452)
        default:
            let url: [(key: String, value: JSON)] = event.name == "click" ? [("url", .string(mail.url ?? Mail.placeholderLink))] : []
            data = [email, said] + (extras ? common + browser + url : [])
        }
        if event.isStatus {
            return ("status", .object([("message_status", .string(event.wireName)), ("status_data", .object(data))]))
        }
        return ("response", .object([("event", .string(event.wireName)), ("response_data", .object(data))]))
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
    /// Random for each process, so ids of several processes on one store do not collide.
    private static let processNumber = Int.random(in: 10_000_000...99_999_999)

    /// `1764176584512_48210937_00001_7305.sc-whs-inbound`, shaped like the real service's
    /// (milliseconds, numbers, the sending host): time, this process, a sequence, random digits.
    public static func newMessageID(itime: Int) -> String {
        let next = sequence.add(1, ordering: .relaxed).newValue
        return "\(itime)_\(processNumber)_\(String(next % 100_000).leftPadded(5))_\(Int.random(in: 1000...9999)).sc-whs-inbound"
    }

    /// `<message_id><index>$<address>`, one per recipient (SENDING.md).
    public static func emailID(messageID: String, index: Int, address: String) -> String {
        "\(messageID)\(index)$\(address)"
    }

    /// A send's `task_id`, made from its message id so that one send has one.
    public static func sampleTaskID(_ messageID: String) -> Int {
        var hash = 5381
        for byte in messageID.utf8 { hash = (hash &* 33 &+ Int(byte)) & 0x7FFF_FFFF }
        return 100_000 + hash % 900_000_000
    }

    /// The message id a (possibly overridden) body carries.
    public static func messageID(of body: JSON) -> String? {
        if case .string(let id)? = body["message_id"] { return id }
        return nil
    }
}

extension EventPayload.Mail {
    /// What a click follows when the html has no link.
    public static let placeholderLink = "https://example.com/"
}
