/// One of the nine events EngageLab pushes to a webhook, with its wire code and name.
public struct EventType: Sendable, Hashable, Comparable {
    public let code: Int
    public let name: String
    public let trigger: String
    /// Position in `all`: the bit this event takes in an `EventSet`.
    let bit: Int

    public static func < (a: EventType, b: EventType) -> Bool { a.code < b.code }

    /// What a push names the event by: `status.message_status` for a status event,
    /// `response.event` for an engagement event (SENDING.md: `request` is "target").
    public let wireName: String
    /// True for the events that report what happened to the mail (`status`); the others
    /// report what the recipient did (`response`).
    public let isStatus: Bool

    /// The table of the API page, in code order, with each event's name in a push.
    public static let all: [EventType] = [
        (1, "deliver", "Email sent successfully", "delivered", true),
        (3, "report_spam", "User report email", "report_spam", false),
        (4, "invalid", "The message was not sent successfully", "invalid_email", true),
        (5, "soft_bounce", "The recipient rejects the message", "soft_bounce", true),
        (10, "click", "User clicks link", "click", false),
        (11, "open", "User open mail", "open", false),
        (12, "unsubscribe", "User unsubscribe email", "unsubscribe", false),
        (18, "request", "Mail request succeeded", "target", true),
        (32, "sent", "Mail sent succeeded", "sent", true),
    ].enumerated().map { EventType(code: $1.0, name: $1.1, trigger: $1.2, bit: $0, wireName: $1.3, isStatus: $1.4) }

    /// The event a push's `message_status` or `response.event` names.
    public static func withWireName(_ name: String) -> EventType? { all.first { $0.wireName == name } }

    public static func withCode(_ code: Int) -> EventType? { all.first { $0.code == code } }

    /// Looks an event up by name, ignoring case (`open`, `Open`).
    public static func named(_ name: String) -> EventType? {
        if let exact = all.first(where: { $0.name == name }) { return exact }
        let lowered = name.lowercased()
        return all.first { $0.name == lowered }
    }

    /// "1 deliver, 3 report_spam, ...": the list an error message offers.
    public static var catalogue: String { all.map { "\($0.code) \($0.name)" }.joined(separator: ", ") }
}

/// A set of event types, as a webhook subscribes to them. Codes come out ascending and unique,
/// which is how the API returns `event`.
public struct EventSet: Sendable, Hashable {
    /// One bit per entry of `EventType.all`; this is also how the store keeps the set.
    public private(set) var mask: Int

    public init(mask: Int) { self.mask = mask & EventSet.allMask }
    public init(_ events: some Sequence<EventType>) {
        self.init(mask: events.reduce(0) { $0 | 1 << $1.bit })
    }

    static let allMask = (1 << EventType.all.count) - 1
    public static let all = EventSet(mask: allMask)

    public var isEmpty: Bool { mask == 0 }
    public mutating func insert(_ event: EventType) { mask |= 1 << event.bit }
    public var events: [EventType] { EventType.all.filter { mask & (1 << $0.bit) != 0 } }
    /// Ascending, as the API returns them. Built from a table of the codes: this runs for
    /// every webhook in every answer.
    public var codes: [Int] {
        var codes: [Int] = []
        codes.reserveCapacity(mask.nonzeroBitCount)
        var rest = mask
        while rest != 0 {
            codes.append(EventSet.codeOfBit[rest.trailingZeroBitCount])
            rest &= rest - 1
        }
        return codes
    }
    static let codeOfBit = EventType.all.map(\.code)
    public func contains(_ event: EventType) -> Bool { mask & (1 << event.bit) != 0 }
}
