import WhsSupport

// The activity log: what happened to an account's mails and deliveries, in the order the
// store recorded it, for following it live (`deliveries follow=true`, `mails follow=true`,
// `GET /v1/stream`; docs/OPERATIONS.md, "Following"). The store writes a small row for each
// mail sent, each engagement caused by hand and each attempt logged, in the same transaction
// as the thing itself; a follower reads the rows after the last one it saw. Because the
// position is the store's, a follow resumes where it stopped (`Last-Event-ID`) on any node of
// a shared store, without gaps or repeats.

/// A place in the activity log. On an embedded store, the row's id: one writer at a time, so
/// ids become visible in order. On PostgreSQL rows of concurrent transactions commit out of id
/// order, so a position is the writing transaction's id and the row's, and a reader only takes
/// rows of transactions older than every one still open: those can no longer gain a row
/// before the ones it has read.
public struct ActivityPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The transaction that wrote the row (PostgreSQL); 0 on embedded stores.
    public let transaction: Int
    public let id: Int

    public init(transaction: Int = 0, id: Int) {
        self.transaction = transaction
        self.id = id
    }

    /// Before every row.
    public static let origin = ActivityPosition(id: 0)

    /// `17` on an embedded store, `5031.17` on PostgreSQL: the SSE `id:` and `Last-Event-ID`.
    public var description: String { transaction == 0 ? String(id) : "\(transaction).\(id)" }

    /// A position as `description` writes it (1 to 18 digits, or two such parts joined by a
    /// dot); nil for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count),
              parts.allSatisfy({ (1...18).contains($0.utf8.count) && $0.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } }),
              let last = Int(parts[parts.count - 1]), let first = Int(parts[0]) else { return nil }
        self.init(transaction: parts.count == 2 ? first : 0, id: last)
    }

    public static func < (a: ActivityPosition, b: ActivityPosition) -> Bool {
        (a.transaction, a.id) < (b.transaction, b.id)
    }
}

/// What a row of the activity log records.
public enum ActivityKind: Int, Sendable, CaseIterable {
    /// A mail was sent (one per recipient), with the life its events will have.
    case mail = 1
    /// An engagement event was caused by hand on a delivered mail.
    case engagement = 2
    /// An attempt to push a delivery ended.
    case attempt = 3

    /// The SSE `event:` field and the `kind` of each row's JSON.
    public var name: String {
        switch self {
        case .mail: "mail"
        case .engagement: "engagement"
        case .attempt: "attempt"
        }
    }
}

/// One row of the activity log, with what it refers to as it is now.
public struct ActivityEntry: Sendable {
    public let position: ActivityPosition
    public let item: Item

    public enum Item: Sendable {
        case mail(MailRecord)
        /// The mail, and the event of its `events` the row is about.
        case engagement(MailRecord, MailEventRecord)
        /// The delivery (its state now; its attempts are not filled in), the attempt, and
        /// whether it is the delivery's latest attempt so far.
        case attempt(Delivery, DeliveryAttempt, latest: Bool)
    }

    public init(position: ActivityPosition, item: Item) {
        self.position = position
        self.item = item
    }

    public var kind: ActivityKind {
        switch item {
        case .mail: .mail
        case .engagement: .engagement
        case .attempt: .attempt
        }
    }

    /// The row as the stream and `--json` show it: `kind` first, then what it is about. An
    /// attempt's `state` is what that attempt left its delivery in (a later attempt may have
    /// changed it since), and `next_attempt` is there while it is the latest and pending.
    public var json: JSON {
        switch item {
        case .mail(let mail):
            guard case .object(let members) = mail.summaryJSON else { return mail.summaryJSON }
            return .object([("kind", .string(kind.name))] + members)
        case .engagement(let mail, let event):
            var members: [(key: String, value: JSON)] = [
                ("kind", .string(kind.name)), ("mail_id", .int(mail.id)), ("email_id", .string(mail.header.emailID)),
                ("message_id", .string(mail.header.messageID)), ("to", .string(mail.header.to)),
                ("event", .string(event.event.name)), ("time", .string(Clock.iso8601(event.time))),
            ]
            if case .object(let detail) = event.detail { members += detail }
            return .object(members)
        case .attempt(let delivery, let attempt, let latest):
            let state: DeliveryState = latest ? delivery.state : (attempt.succeeded ? .succeeded : .pending)
            var members: [(key: String, value: JSON)] = [
                ("kind", .string(kind.name)), ("delivery_id", .int(delivery.id)), ("webhook_id", .int(delivery.webhookID)),
                ("url", .string(delivery.url)), ("event", .string(delivery.event.name)), ("message_id", .string(delivery.messageID)),
                ("state", .string(state.rawValue)), ("attempt", attempt.json),
            ]
            if latest, state == .pending, let next = delivery.nextAttempt { members.append(("next_attempt", .string(Clock.iso8601(next)))) }
            if let fault = delivery.fault { members.append(("fault", .string(fault.rawValue))) }
            return .object(members)
        }
    }
}

/// A read of the activity log: the entries after a position, and where the next read starts.
public struct ActivityPage: Sendable {
    public let entries: [ActivityEntry]
    /// The last row read, entries or not (a row whose mail or delivery was deleted since is
    /// passed over); the position to read after next time.
    public let end: ActivityPosition
    /// True when the read stopped at its limit: more rows may be there already.
    public let full: Bool

    public init(entries: [ActivityEntry], end: ActivityPosition, full: Bool) {
        self.entries = entries
        self.end = end
        self.full = full
    }
}

/// The activity log of a store, for the shell (synchronous).
public protocol ActivityLog {
    /// The account's rows after `position`, oldest first, at most `limit` of them.
    func activity(account: String, after position: ActivityPosition, limit: Int) throws(WebhookError) -> ActivityPage
    /// A position after everything recorded so far: where a new follow starts.
    func activityEnd() throws(WebhookError) -> ActivityPosition
}

/// The activity log of a store, for the server (asynchronous).
public protocol AsyncActivityLog: Sendable {
    func activity(account: String, after position: ActivityPosition, limit: Int) async throws(WebhookError) -> ActivityPage
    func activityEnd() async throws(WebhookError) -> ActivityPosition
}
