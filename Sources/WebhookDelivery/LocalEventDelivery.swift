import WebhookCore
import WhsSupport

/// Delivery for a shell on a local store: its own dispatcher, pushing from this process.
public final class LocalEventDelivery: EventDelivery {
    public let dispatcher: Dispatcher
    let account: String

    /// Resumes the store's pending deliveries (a run that ended before they settled) at once.
    public init(store: any DeliveryStore, account: String = "local") throws(WebhookError) {
        dispatcher = Dispatcher(store: store)
        self.account = account
        try dispatcher.resumePending()
    }

    public var retrySchedule: RetrySchedule {
        get { dispatcher.schedule }
        set { dispatcher.schedule = newValue }
    }

    public var unsettledCount: Int { dispatcher.unsettledCount }

    public func trigger(_ trigger: EventTrigger, wait: DeliveryWait?) throws(WebhookError) -> JSON {
        let result = try dispatcher.trigger(account: account, trigger)
        guard let wait else { return result.json }
        return try waited(result.json, ids: Set(result.deliveries.map(\.id)), messageID: result.messageID, wait)
    }

    public func deliveries(_ query: DeliveryQuery) throws(WebhookError) -> JSON {
        deliveriesJSON(try dispatcher.store.deliveries(account: account, query))
    }

    public func redeliver(id: Int, wait: DeliveryWait?) throws(WebhookError) -> JSON {
        let copy = try dispatcher.redeliver(account: account, id: id)
        guard let wait else { return copy.json }
        return try watch([copy.id], messageID: copy.messageID, wait).deliveries.first ?? copy.json
    }

    public func payload(_ trigger: EventTrigger) throws(WebhookError) -> JSON {
        try EventPayload.build(trigger)
    }

    public func appKey() throws(WebhookError) -> String { try dispatcher.appKey(account: account) }

    func watch(_ ids: Set<Int>, messageID: String, _ wait: DeliveryWait) throws(WebhookError) -> (deliveries: [JSON], pending: Int) {
        try dispatcher.store.watch(account: account, ids, messageID: messageID, wait)
    }

    /// A trigger's answer with the deliveries as the wait left them.
    func waited(_ answer: JSON, ids: Set<Int>, messageID: String, _ wait: DeliveryWait) throws(WebhookError) -> JSON {
        waitedAnswer(answer, try watch(ids, messageID: messageID, wait), wait)
    }
}
