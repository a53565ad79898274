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
/// match, oldest first.
public struct DeliveryQuery: Sendable, Equatable {
    public var webhookID: Int?
    public var state: DeliveryState?
    public var messageID: String?
    public var limit: Int

    public static let defaultLimit = 100
    public static let maxLimit = 1000

    public init(webhookID: Int? = nil, state: DeliveryState? = nil, messageID: String? = nil, limit: Int = DeliveryQuery.defaultLimit) {
        self.webhookID = webhookID
        self.state = state
        self.messageID = messageID
        self.limit = limit
    }

    /// Checks the values the way the API checks a list query.
    public static func validated(webhookID: Int?, state: String?, messageID: String?, limit: Int?) throws(WebhookError) -> DeliveryQuery {
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
        if let limit {
            guard (1...maxLimit).contains(limit) else { throw .invalidParameter("limit must be 1 to \(maxLimit), got \(limit)") }
            query.limit = limit
        }
        return query
    }

    public func matches(_ delivery: Delivery) -> Bool {
        (webhookID == nil || delivery.webhookID == webhookID) && (state == nil || delivery.state == state)
            && (messageID == nil || delivery.messageID == messageID)
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
