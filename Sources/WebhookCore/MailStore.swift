import WhsSupport

/// The store's half of the sending side (implemented by every store): templates, the
/// `request_id` memory, and the mail log. A send is written whole in one transaction (its
/// mails, their events and the deliveries those cause), so a send never half-happens and a
/// restart resumes its pending pushes like any other delivery.
public protocol MailStore: Sendable {
    /// Stores a template, replacing one of the same name (keeping its `created`).
    func putTemplate(account: String, _ template: MailTemplate) throws(WebhookError) -> MailTemplate
    func template(account: String, name: String) throws(WebhookError) -> MailTemplate?
    /// Every template of the account, by name.
    func templates(account: String) throws(WebhookError) -> [MailTemplate]
    /// How many were deleted (1 or 0).
    func deleteTemplate(account: String, name: String) throws(WebhookError) -> Int

    /// Writes a send whole and returns each chain of deliveries (one recipient, one webhook,
    /// its events in order) with their ids and due times; or, when the account made a send
    /// with the same `request_id` at or after `repeatsSince`, writes nothing and returns
    /// that send's answer. Checked in the same transaction, so two racing repeats send once.
    func recordSend(_ send: PlannedSend, repeatsSince: Double) throws(WebhookError) -> RecordedSend
    /// Adds an event to a mail that exists (engagement by hand), with its deliveries.
    func recordEvent(account: String, mailID: Int, _ event: PlannedEvent) throws(WebhookError) -> [DeliveryLink]

    /// The newest `limit` mails that match, oldest first, without their events' deliveries.
    func mails(account: String, _ query: MailQuery) throws(WebhookError) -> [MailRecord]
    /// One mail by id, with every event and the deliveries of the account it caused.
    func mail(account: String, id: Int) throws(WebhookError) -> MailRecord?
    /// The id of the mail with this email id, if the account has it.
    func mailID(account: String, emailID: String) throws(WebhookError) -> Int?
}

/// What `recordSend` did.
public enum RecordedSend: Sendable {
    case sent(chains: [[DeliveryLink]])
    /// The same `request_id` within the hour: nothing new, the first answer again.
    case repeated(answer: JSON)
}

/// Collects one mail's deliveries into chains as a store inserts them: one chain per webhook,
/// its events in order, each delivery naming the one before it (`previous`). Both stores use it.
public struct DeliveryChains {
    private var byWebhook: [Int: [DeliveryLink]] = [:]
    private var order: [Int] = []

    public init() {}

    /// The delivery the next one to `webhook` follows.
    public func previous(webhook: Int) -> Int? { byWebhook[webhook]?.last?.id }

    /// Adds the deliveries of one event, one per webhook in the event's order.
    public mutating func add(_ webhooks: [Webhook], _ links: [DeliveryLink]) {
        for (webhook, link) in zip(webhooks, links) {
            if byWebhook[webhook.id] == nil { order.append(webhook.id) }
            byWebhook[webhook.id, default: []].append(link)
        }
    }

    /// The chains, in the order their webhooks first appeared.
    public var chains: [[DeliveryLink]] { order.map { byWebhook[$0]! } }
}

/// A delivery as a chain holds it: which one, when it is due, and (when the store just wrote
/// it) what sending it needs, so the dispatcher does not read it back.
public struct DeliveryLink: Sendable {
    public let id: Int
    public let due: Double
    public let outgoing: OutgoingDelivery?

    public init(id: Int, due: Double, outgoing: OutgoingDelivery? = nil) {
        self.id = id
        self.due = due
        self.outgoing = outgoing
    }
}

/// A send ready to be written: everything decided, every payload built.
public struct PlannedSend: Sendable {
    public let account: String
    public let apiUser: String
    public let requestID: String?
    /// `{"email_ids": [...], "request_id": "..."}`, given again for a repeated `request_id`.
    public let answer: JSON
    public let mails: [PlannedMail]
    public let created: Double

    public init(account: String, apiUser: String, requestID: String?, answer: JSON, mails: [PlannedMail], created: Double) {
        self.account = account
        self.apiUser = apiUser
        self.requestID = requestID
        self.answer = answer
        self.mails = mails
        self.created = created
    }
}

/// One recipient's mail, as the log keeps it, and the events planned for it.
public struct PlannedMail: Sendable {
    public let header: MailHeader
    public let html: String
    public let text: String
    public let events: [PlannedEvent]
    /// `{"calendar": {...}}` or `{"mime": "..."}` for a sendcalendar or send_mime; nil for
    /// the others (the `extra` column, `MailRecord.extraRow`).
    public let extra: JSON?

    public init(header: MailHeader, html: String, text: String, events: [PlannedEvent], extra: JSON? = nil) {
        self.header = header
        self.html = html
        self.text = text
        self.events = events
        self.extra = extra
    }
}

extension PlannedMail {
    /// The events the mail's log keeps: its life, in time order, without the extra pushes a
    /// fault made (which `events` holds in the order they are pushed).
    public var loggedEvents: [MailEventRecord] {
        events.filter(\.logged).sorted { ($0.time, $0.step) < ($1.time, $1.step) }
            .map { MailEventRecord(event: $0.event, time: $0.time, detail: $0.detail) }
    }
}

/// What identifies a mail and what its pushes carry.
public struct MailHeader: Sendable, Equatable {
    public let messageID: String
    public let emailID: String
    public let taskID: Int
    public let apiUser: String
    public let from: String
    /// The recipient as written, and the bare address.
    public let to: String
    public let address: String
    /// After variables were replaced.
    public let subject: String
    public let customArgs: JSON
    public let labelID: Int?
    public let labelName: String?
    public let template: String?

    public init(messageID: String, emailID: String, taskID: Int, apiUser: String, from: String, to: String, address: String,
                subject: String, customArgs: JSON, labelID: Int?, labelName: String?, template: String?) {
        self.messageID = messageID
        self.emailID = emailID
        self.taskID = taskID
        self.apiUser = apiUser
        self.from = from
        self.to = to
        self.address = address
        self.subject = subject
        self.customArgs = customArgs
        self.labelID = labelID
        self.labelName = labelName
        self.template = template
    }
}

/// One event of a mail's life: what, when, the body it pushes and to which webhooks.
public struct PlannedEvent: Sendable {
    public let event: EventType
    public let time: Double
    /// Event details for the log (a click's `url`).
    public let detail: JSON
    public let payload: [UInt8]
    public let webhooks: [Webhook]
    /// When its pushes are due: the event's time, unless a fault holds them back.
    public var due: Double
    /// The fault that made or moved its pushes, marked on each of its deliveries.
    public var fault: DeliveryFault?
    /// False for a push that is not an event of the mail's life (a duplicate, a forged copy):
    /// it is delivered, not added to the mail's events.
    public var logged = true
    /// Its place in the mail's life, which the log keeps whatever order the pushes go in.
    public var step = 0

    public init(event: EventType, time: Double, detail: JSON, payload: [UInt8], webhooks: [Webhook]) {
        self.event = event
        self.time = time
        self.detail = detail
        self.payload = payload
        self.webhooks = webhooks
        due = time
    }
}

/// Which mails `mails` (and `GET /v1/mails`) shows: the newest `limit` that match, oldest
/// first. `before` (`before_id=` on the wire) pages back: the next page is the one before the
/// oldest id shown.
public struct MailQuery: Sendable, Equatable {
    /// Only mails to this bare address.
    public var to: String?
    public var messageID: String?
    /// Only mails whose subject contains this, ASCII letters compared without case.
    public var subject: String?
    /// Only mails whose life holds this event (`deliver`, `invalid`, `open`...): the state the
    /// inspector and the shell search by.
    public var event: EventType?
    /// Only mails with a smaller id (the page after one whose oldest mail is `before`).
    public var before: Int?
    public var limit: Int

    public static let defaultLimit = 50
    public static let maxLimit = 1000

    public init(to: String? = nil, messageID: String? = nil, subject: String? = nil, event: EventType? = nil, before: Int? = nil,
                limit: Int = MailQuery.defaultLimit) {
        self.to = to
        self.messageID = messageID
        self.subject = subject
        self.event = event
        self.before = before
        self.limit = limit
    }

    public static func validated(to: String?, messageID: String?, subject: String? = nil, event: String? = nil, before: Int? = nil,
                                 limit: Int?) throws(WebhookError) -> MailQuery {
        var query = MailQuery()
        if let to, !to.isEmpty { query.to = MailRules.parseAddress(to)?.address ?? to }
        if let messageID, !messageID.isEmpty { query.messageID = messageID }
        if let subject, !subject.isEmpty {
            guard subject.utf8.count <= 200 else { throw .invalidParameter("subject must be at most 200 bytes, got \(subject.utf8.count)") }
            query.subject = subject
        }
        query.event = try Validation.eventFilter(event)
        query.before = try Validation.beforeID(before)
        if let limit {
            guard (1...maxLimit).contains(limit) else { throw .invalidParameter("limit must be 1 to \(maxLimit), got \(limit)") }
            query.limit = limit
        }
        return query
    }

    public func matches(_ header: MailHeader) -> Bool {
        (to == nil || header.address == to) && (messageID == nil || header.messageID == messageID)
            && (subject == nil || MailQuery.asciiLowercased(header.subject).contains(MailQuery.asciiLowercased(subject!)))
    }

    /// `matches`, and the parts a header does not hold: the id and the events.
    public func matches(_ mail: MailRecord) -> Bool {
        matches(mail.header) && (before == nil || mail.id < before!) && (event == nil || mail.events.contains { $0.event == event })
    }

    /// The text with A-Z as a-z and nothing else changed: how SQLite's `lower()` folds, which
    /// every store follows so that a search finds the same mails on each.
    public static func asciiLowercased(_ text: String) -> String {
        String(decoding: text.utf8.map { (65...90).contains($0) ? $0 + 32 : $0 }, as: UTF8.self)
    }
}

/// A mail as the log has it.
public struct MailRecord: Sendable {
    public let id: Int
    public let header: MailHeader
    public let html: String
    public let text: String
    public let created: Double
    public var events: [MailEventRecord]
    /// Filled by `mail(account:id:)` only.
    public var deliveries: [Delivery]
    /// The invitation or MIME source it was sent with, as `PlannedMail.extra`.
    public let extra: JSON?

    public init(id: Int, header: MailHeader, html: String, text: String, created: Double, events: [MailEventRecord], deliveries: [Delivery],
                extra: JSON? = nil) {
        self.id = id
        self.header = header
        self.html = html
        self.text = text
        self.created = created
        self.events = events
        self.deliveries = deliveries
        self.extra = extra
    }
}

public struct MailEventRecord: Sendable, Equatable {
    public let event: EventType
    public let time: Double
    public let detail: JSON

    public init(event: EventType, time: Double, detail: JSON) {
        self.event = event
        self.time = time
        self.detail = detail
    }
}
