import WebhookCore
import WebhookDelivery
import WhsSupport

/// Delivery through a server (`whs serve`'s delivery extension): the server pushes, this side
/// asks and reads its log. `wait` polls the log until the event's deliveries settle.
public final class RemoteEventDelivery: EventDelivery {
    let remote: RemoteService
    static let pollMicroseconds: UInt32 = 100_000

    public init(remote: RemoteService) {
        self.remote = remote
    }

    public var unsettledCount: Int { 0 }

    public func trigger(_ trigger: EventTrigger, wait: DeliveryWait?) throws(WebhookError) -> JSON {
        let result = try remote.send(.trigger(trigger))
        guard let wait, case .string(let messageID)? = result["message_id"], case .array(let started)? = result["deliveries"] else { return result }
        return waitedAnswer(result, try watch(Set(started.compactMap(DeliveryWatcher.id)), messageID: messageID, wait), wait)
    }

    public func deliveries(_ query: DeliveryQuery) throws(WebhookError) -> JSON {
        try remote.send(.deliveries(query))
    }

    public func redeliver(id: Int, wait: DeliveryWait?) throws(WebhookError) -> JSON {
        let copy = try remote.send(.redeliver(id: id))
        guard let wait, case .string(let messageID)? = copy["message_id"], case .int(let newID)? = copy["id"] else { return copy }
        return try watch([newID], messageID: messageID, wait).deliveries.first ?? copy
    }

    /// Built here, as the server would build it: the payload does not depend on the account.
    public func payload(_ trigger: EventTrigger) throws(WebhookError) -> JSON {
        try EventPayload.build(trigger)
    }

    public func appKey() throws(WebhookError) -> String {
        guard case .string(let key)? = try remote.send(.appKey)["app_key"] else {
            throw .server(code: 0, status: 200, message: "the server's answer has no app_key")
        }
        return key
    }

    /// Reads the message's deliveries from the server's log until `ids` settle or the wait is over.
    public func watch(_ ids: Set<Int>, messageID: String, _ wait: DeliveryWait) throws(WebhookError) -> (deliveries: [JSON], pending: Int) {
        try DeliveryWatcher.watch(ids, wait, pollMicroseconds: RemoteEventDelivery.pollMicroseconds) { () throws(WebhookError) -> [JSON] in
            let answer = try remote.send(.deliveries(DeliveryQuery(messageID: messageID, limit: DeliveryQuery.maxLimit)))
            guard case .array(let all)? = answer["deliveries"] else { throw Decode.unexpected(answer) }
            return all
        }
    }
}
