import WhsSupport

/// The mail log in its wire form (docs/SENDING.md), which `GET /v1/mails` answers and the shell
/// shows. Times are ISO 8601 in UTC.
extension MailRecord {
    /// A line of the log: who, what, and the events so far.
    public var summaryJSON: JSON {
        .object([
            ("id", .int(id)),
            ("email_id", .string(header.emailID)),
            ("message_id", .string(header.messageID)),
            ("from", .string(header.from)),
            ("to", .string(header.to)),
            ("subject", .string(header.subject)),
            ("api_user", .string(header.apiUser)),
            ("events", .array(events.map { .string($0.event.name) })),
            ("created", .string(Clock.iso8601(created))),
        ])
    }

    /// The whole mail, and its timeline: each event with the deliveries it caused (a
    /// redelivery shows under the event it repeats). A sendcalendar's mail has `calendar`, a
    /// send_mime's `mime` (its source), after `text`.
    public var json: JSON {
        var timeline: [JSON] = []
        for (index, event) in events.enumerated() {
            let later = events[(index + 1)...].first { $0.event == event.event }?.time ?? .infinity
            let caused = deliveries.filter { $0.event == event.event && $0.created >= event.time && $0.created < later }
            var members: [(key: String, value: JSON)] = [("event", .string(event.event.name)), ("time", .string(Clock.iso8601(event.time)))]
            if case .object(let detail) = event.detail { members += detail }
            members.append(("deliveries", .array(caused.map(\.json))))
            timeline.append(.object(members))
        }
        var members: [(key: String, value: JSON)] = [
            ("id", .int(id)),
            ("email_id", .string(header.emailID)),
            ("message_id", .string(header.messageID)),
            ("task_id", .int(header.taskID)),
            ("api_user", .string(header.apiUser)),
            ("from", .string(header.from)),
            ("to", .string(header.to)),
            ("subject", .string(header.subject)),
            ("html", .string(html)),
            ("text", .string(text)),
        ]
        if case .object(let more)? = extra { members += more }
        return .object(members + [
            ("custom_args", header.customArgs),
            ("label_id", header.labelID.map { .int($0) } ?? .null),
            ("label_name", header.labelName.map { .string($0) } ?? .null),
            ("template", header.template.map { .string($0) } ?? .null),
            ("created", .string(Clock.iso8601(created))),
            ("events", .array(timeline)),
        ])
    }
}

/// `{"count", "mails": [...]}`: the answer of a mail-log query.
public func mailsJSON(_ mails: [MailRecord]) -> JSON {
    .object([("count", .int(mails.count)), ("mails", .array(mails.map(\.summaryJSON)))])
}

/// A send's answer with what its wait saw: `settled` and `pending` deliveries.
public func answer(_ answer: JSON, settled: Int, pending: Int) -> JSON {
    guard case .object(var members) = answer else { return answer }
    members.append(("settled", .int(settled)))
    members.append(("pending", .int(pending)))
    return .object(members)
}

/// `{"count", "templates": [...]}`.
public func templatesJSON(_ templates: [MailTemplate]) -> JSON {
    .object([("count", .int(templates.count)), ("templates", .array(templates.map(\.json)))])
}

extension Mailing {
    /// A backend that keeps its own faults (a server: `whs serve --faults`) ignores the shell's.
    public var faults: FaultRates {
        get { FaultRates() }
        set {}
    }

    public var apiFaults: APIFaults {
        get { APIFaults() }
        set {}
    }
}

/// The sending side as the shell sees it, whatever the backend: a local store with its own
/// dispatcher, or a server's send routes and extensions (docs/SENDING.md). Results are the
/// wire JSON, so the shell shows the same shapes either way. A mail is named by its id in the
/// log or by its email id.
public protocol Mailing: AnyObject {
    /// `{"email_ids", "request_id"}`. `body` is the JSON body of `route`; `apiUser` the API_USER
    /// it goes out under (nil: the backend's own); with `wait`, returns once every push the
    /// send caused succeeded or ran out of retries, or the wait's time is up, with `settled`
    /// and `pending` counts added to the answer.
    func send(_ body: JSON, route: MailRoute, apiUser: String?, wait: DeliveryWait?) throws(WebhookError) -> JSON
    /// Seconds between the events of one mail (local backends; a server keeps its own).
    var eventDelay: Double { get set }
    /// The share of mails that get each fault, and `late_delay` (local backends).
    var faults: FaultRates { get set }
    /// Errors and latency the send calls answer with on purpose (local backends).
    var apiFaults: APIFaults { get set }
    func putTemplate(name: String, subject: String, html: String, text: String) throws(WebhookError) -> JSON
    func templates() throws(WebhookError) -> JSON
    func template(name: String) throws(WebhookError) -> JSON
    /// `{"count"}`.
    func deleteTemplate(name: String) throws(WebhookError) -> JSON
    /// `{"count", "mails"}`.
    func mails(_ query: MailQuery) throws(WebhookError) -> JSON
    /// One mail with its timeline.
    func mail(_ id: String) throws(WebhookError) -> JSON
    /// Engagement by hand: an event of a delivered mail, pushed now; the mail afterwards.
    func engage(_ id: String, event: EventType, url: String?, wait: DeliveryWait?) throws(WebhookError) -> JSON
    /// The body an event of the mail would carry, without sending it.
    func payload(_ id: String, event: EventType, url: String?) throws(WebhookError) -> JSON
}

extension MailEventRecord {
    /// `[[code, time, detail], ...]`: a mail's events as its row keeps them.
    public static func rowJSON(_ events: [MailEventRecord]) -> JSON {
        .array(events.map { .array([.int($0.event.code), .double($0.time), $0.detail]) })
    }

    /// The events of a row, as `rowJSON` wrote them.
    public static func fromRow(_ text: String) -> [MailEventRecord] {
        guard case .array(let items)? = try? JSON.parse(text) else { return [] }
        return items.compactMap { item in
            guard case .array(let parts) = item, parts.count == 3, case .int(let code) = parts[0], let event = EventType.withCode(code) else { return nil }
            let time: Double
            switch parts[1] {
            case .double(let seconds): time = seconds
            case .int(let seconds): time = Double(seconds)
            default: return nil
            }
            return MailEventRecord(event: event, time: time, detail: parts[2])
        }
    }
}

extension MailRecord {
    /// The `extra` column of a mail's row: its JSON, or "" for an ordinary mail.
    public static func extraRow(_ extra: JSON?) -> String { extra?.text ?? "" }

    /// `extra` from its row, as `extraRow` wrote it.
    public static func extra(fromRow text: String) -> JSON? { text.isEmpty ? nil : try? JSON.parse(text) }
}
