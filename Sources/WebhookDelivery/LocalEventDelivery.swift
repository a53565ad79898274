import WebhookCore
import WhsSupport

/// Delivery for a shell on a local store: its own dispatcher, pushing from this process.
public final class LocalEventDelivery: EventDelivery {
    public let dispatcher: Dispatcher
    let account: String
    let isInterrupted: () -> Bool

    /// Resumes the store's pending deliveries (a run that ended before they settled) at once.
    public init(store: any DeliveryStore, account: String = "local", isInterrupted: @escaping () -> Bool) throws(WebhookError) {
        dispatcher = Dispatcher(store: store)
        self.account = account
        self.isInterrupted = isInterrupted
        try dispatcher.resumePending()
    }

    public var retrySchedule: RetrySchedule {
        get { dispatcher.schedule }
        set { dispatcher.schedule = newValue }
    }

    public var unsettledCount: Int { dispatcher.unsettledCount }

    public func trigger(_ trigger: EventTrigger, wait: Bool) throws(WebhookError) -> JSON {
        let result = try dispatcher.trigger(account: account, trigger)
        guard wait else { return result.json }
        let settled = try waitFor(result.deliveries, messageID: result.messageID)
        return TriggerResult(messageID: result.messageID, deliveries: settled, note: result.note).json
    }

    public func deliveries(_ query: DeliveryQuery) throws(WebhookError) -> JSON {
        deliveriesJSON(try dispatcher.store.deliveries(account: account, query))
    }

    public func redeliver(id: Int, wait: Bool) throws(WebhookError) -> JSON {
        let copy = try dispatcher.redeliver(account: account, id: id)
        guard wait else { return copy.json }
        return try waitFor([copy], messageID: copy.messageID).first?.json ?? copy.json
    }

    public func payload(_ trigger: EventTrigger) throws(WebhookError) -> JSON {
        try EventPayload.build(trigger)
    }

    public func appKey() throws(WebhookError) -> String { try dispatcher.appKey(account: account) }

    /// Blocks until the deliveries settle (or Ctrl-C), then reads them back from the log.
    func waitFor(_ deliveries: [Delivery], messageID: String) throws(WebhookError) -> [Delivery] {
        let ids = deliveries.map(\.id)
        guard dispatcher.waitUntilSettled(ids, interrupted: isInterrupted) else {
            throw .unreachable("interrupted while waiting; the deliveries go on in the background")
        }
        let wanted = Set(ids)
        let logged = try dispatcher.store.deliveries(account: account, DeliveryQuery(messageID: messageID, limit: Int.max))
        return logged.filter { wanted.contains($0.id) }
    }
}
