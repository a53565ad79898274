/// How many deliveries the log holds in each of its states, read when Prometheus scrapes a
/// node (docs/OPERATIONS.md, "Metrics"). Every store answers for all its accounts together:
/// a count is never labelled with an account. A shared store also says how many deliveries
/// `node` holds leased right now.
public protocol DeliveryCensus: Sendable {
    func deliveryCounts(leasedBy node: String?) async throws(WebhookError) -> DeliveryCounts
}

public struct DeliveryCounts: Sendable, Equatable {
    /// Every state of `DeliveryState`, with 0 for the ones the log has none of.
    public var byState: [DeliveryState: Int]
    /// Deliveries leased by the node asked about and not yet logged; nil on an embedded store,
    /// where nothing is leased.
    public var leased: Int?

    public init(byState: [DeliveryState: Int], leased: Int? = nil) {
        var all: [DeliveryState: Int] = [:]
        for state in DeliveryState.allCases { all[state] = byState[state] ?? 0 }
        self.byState = all
        self.leased = leased
    }
}

extension WebhookError {
    /// What kind of store failure this is, as metrics count them: `unreachable` (the database
    /// is away or did not answer in time) or `storage` (it refused); nil for any other error.
    public var storeFailure: String? {
        switch self {
        case .unreachable: "unreachable"
        case .storage: "storage"
        default: nil
        }
    }
}
