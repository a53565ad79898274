import WhsSupport

/// Where a delivery stands: waiting for its next attempt, done, out of attempts, or called off
/// by a reset or a delete while it was pending (it is never pushed again; docs/OPERATIONS.md).
public enum DeliveryState: String, Sendable, CaseIterable {
    case pending, succeeded, failed, cancelled

    /// True once nothing more will happen to it: every state but pending.
    public var isSettled: Bool { self != .pending }

    /// `pending, succeeded, failed or cancelled`, for messages that list the states.
    public static var names: String {
        let all = allCases.map(\.rawValue)
        return all.dropLast().joined(separator: ", ") + " or " + all.last!
    }
}

/// One POST of an event to a webhook's URL, as the delivery log keeps it.
public struct DeliveryAttempt: Sendable, Equatable {
    /// 1 for the first attempt, 2 for the first retry...
    public let number: Int
    /// When it was sent, in unix seconds.
    public let time: Double
    /// The receiver's HTTP status; nil when it never answered.
    public let status: Int?
    public let latencyMilliseconds: Double
    /// Why it failed, in words ("timed out after 3 s", "HTTP 500"); nil for a success.
    public let error: String?
    /// The `whs serve` node that made it, on a store shared by several (PostgreSQL); nil on an
    /// embedded store, where one process does all the work.
    public let node: String?

    public init(number: Int, time: Double, status: Int?, latencyMilliseconds: Double, error: String?, node: String? = nil) {
        self.number = number
        self.time = time
        self.status = status
        self.latencyMilliseconds = latencyMilliseconds
        self.error = error
        self.node = node
    }

    public var succeeded: Bool { error == nil }
}

/// One event pushed to one webhook: the payload, the attempts so far, and what comes next.
public struct Delivery: Sendable, Equatable {
    public let id: Int
    public let webhookID: Int
    public let url: String
    public let event: EventType
    public let messageID: String
    public var state: DeliveryState
    public var attempts: [DeliveryAttempt]
    /// When the next attempt is due (unix seconds); nil unless pending.
    public var nextAttempt: Double?
    public let created: Double
    /// The fault injected into it, when one was (docs/SENDING.md, "Faults on demand").
    public var fault: DeliveryFault?

    public init(id: Int, webhookID: Int, url: String, event: EventType, messageID: String, state: DeliveryState,
                attempts: [DeliveryAttempt], nextAttempt: Double?, created: Double, fault: DeliveryFault? = nil) {
        self.fault = fault
        self.id = id
        self.webhookID = webhookID
        self.url = url
        self.event = event
        self.messageID = messageID
        self.state = state
        self.attempts = attempts
        self.nextAttempt = nextAttempt
        self.created = created
    }
}

/// Which deliveries `deliveries` (and `GET /v1/deliveries`) shows: the newest `limit` that
/// match, oldest first; with `failingFirst`, the failing ones (failed, or pending after a
/// failed attempt) are taken first and listed first, each group oldest first.
public struct DeliveryQuery: Sendable, Equatable {
    public var webhookID: Int?
    public var state: DeliveryState?
    public var messageID: String?
    /// Only deliveries of this event.
    public var event: EventType?
    /// Only deliveries with a smaller id (paging back).
    public var before: Int?
    public var failingFirst: Bool
    public var limit: Int

    public static let defaultLimit = 100
    public static let maxLimit = 1000

    public init(webhookID: Int? = nil, state: DeliveryState? = nil, messageID: String? = nil, event: EventType? = nil, before: Int? = nil,
                failingFirst: Bool = false, limit: Int = DeliveryQuery.defaultLimit) {
        self.webhookID = webhookID
        self.state = state
        self.messageID = messageID
        self.event = event
        self.before = before
        self.failingFirst = failingFirst
        self.limit = limit
    }

    /// Checks the values the way the API checks a list query.
    public static func validated(webhookID: Int?, state: String?, messageID: String?, event: String? = nil, before: Int? = nil,
                                 failingFirst: String? = nil, limit: Int?) throws(WebhookError) -> DeliveryQuery {
        var query = DeliveryQuery()
        if let webhookID {
            guard webhookID > 0 else { throw .invalidParameter("webhook must be a positive id, got \(webhookID)") }
            query.webhookID = webhookID
        }
        if let state, !state.isEmpty {
            guard let known = DeliveryState(rawValue: state) else {
                throw .invalidParameter("status must be \(DeliveryState.names), got \(Validation.quoted(state))")
            }
            query.state = known
        }
        if let messageID, !messageID.isEmpty { query.messageID = messageID }
        query.event = try Validation.eventFilter(event)
        query.before = try Validation.beforeID(before)
        if let failingFirst, !failingFirst.isEmpty {
            switch failingFirst {
            case "true", "1": query.failingFirst = true
            case "false", "0": query.failingFirst = false
            default: throw .invalidParameter("failing_first must be true or false, got \(Validation.quoted(failingFirst))")
            }
        }
        if let limit {
            guard (1...maxLimit).contains(limit) else { throw .invalidParameter("limit must be 1 to \(maxLimit), got \(limit)") }
            query.limit = limit
        }
        return query
    }

    public func matches(_ delivery: Delivery) -> Bool {
        (webhookID == nil || delivery.webhookID == webhookID) && (state == nil || delivery.state == state)
            && (messageID == nil || delivery.messageID == messageID) && (event == nil || delivery.event == event)
            && (before == nil || delivery.id < before!)
    }

    /// Failed, or pending after an attempt that failed: what `failingFirst` puts first.
    public static func isFailing(_ delivery: Delivery) -> Bool {
        delivery.state == .failed || (delivery.state == .pending && !delivery.attempts.isEmpty)
    }

    /// The newest `limit` of `candidates` (newest first, all matching) in the answer's order.
    public func arranged(newestFirst candidates: [Delivery]) -> [Delivery] {
        guard failingFirst else { return Array(candidates.prefix(limit).reversed()) }
        let failing = candidates.filter(DeliveryQuery.isFailing).prefix(limit)
        let rest = candidates.filter { !DeliveryQuery.isFailing($0) }.prefix(limit - failing.count)
        return failing.reversed() + rest.reversed()
    }
}

/// What `trigger` asks for: an event, whose mail it was (`api_user`, `to`), and fields of the
/// payload to replace (`data`, merged into the sample body).
public struct EventTrigger: Sendable, Equatable {
    public let event: EventType
    /// The API_USER the mail went out under; "" for none, which reaches only the webhooks of
    /// all API_USERs.
    public let apiUser: String
    public let to: String?
    public let data: JSON?

    public init(event: EventType, apiUser: String = "", to: String? = nil, data: JSON? = nil) {
        self.event = event
        self.apiUser = apiUser
        self.to = to
        self.data = data
    }
}

/// What `trigger` did: the payload's message id and one delivery per matching webhook.
public struct TriggerResult: Sendable, Equatable {
    public let messageID: String
    public let deliveries: [Delivery]
    /// When nothing matched: why, in words (webhooks bound to another API_USER, none
    /// subscribed to the event).
    public let note: String?

    public init(messageID: String, deliveries: [Delivery], note: String? = nil) {
        self.messageID = messageID
        self.deliveries = deliveries
        self.note = note
    }
}
