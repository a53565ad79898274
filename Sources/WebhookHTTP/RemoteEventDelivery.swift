import Glibc
import WebhookCore
import WebhookDelivery
import WhsSupport

/// Delivery through a server (`whs serve`'s delivery extension): the server pushes, this side
/// asks and reads its log. `wait` polls the log until the event's deliveries settle.
public final class RemoteEventDelivery: EventDelivery {
    let remote: RemoteService
    let isInterrupted: () -> Bool
    static let pollMicroseconds: UInt32 = 100_000

    public init(remote: RemoteService, isInterrupted: @escaping () -> Bool) {
        self.remote = remote
        self.isInterrupted = isInterrupted
    }

    /// The server keeps its own schedule (`whs serve --retry-delays`).
    public var retrySchedule: RetrySchedule {
        get { .standard }
        set {}
    }

    public var unsettledCount: Int { 0 }

    public func trigger(_ trigger: EventTrigger, wait: Bool) throws(WebhookError) -> JSON {
        let result = try remote.send(.trigger(trigger))
        guard wait, case .string(let messageID)? = result["message_id"], case .array(let started)? = result["deliveries"] else { return result }
        let ids = Set(started.compactMap { delivery -> Int? in if case .int(let id)? = delivery["id"] { return id } else { return nil } })
        let settled = try poll(messageID: messageID, ids: ids)
        var members: [(key: String, value: JSON)] = []
        if case .object(let fields) = result {
            members = fields.map { $0.key == "deliveries" ? ($0.key, .array(settled)) : $0 }
        }
        return .object(members)
    }

    public func deliveries(_ query: DeliveryQuery) throws(WebhookError) -> JSON {
        try remote.send(.deliveries(query))
    }

    public func redeliver(id: Int, wait: Bool) throws(WebhookError) -> JSON {
        let copy = try remote.send(.redeliver(id: id))
        guard wait, case .string(let messageID)? = copy["message_id"], case .int(let newID)? = copy["id"] else { return copy }
        return try poll(messageID: messageID, ids: [newID]).first ?? copy
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

    /// Reads the event's deliveries until none of `ids` is pending.
    func poll(messageID: String, ids: Set<Int>) throws(WebhookError) -> [JSON] {
        while true {
            let answer = try remote.send(.deliveries(DeliveryQuery(messageID: messageID, limit: DeliveryQuery.maxLimit)))
            guard case .array(let all)? = answer["deliveries"] else { throw Decode.unexpected(answer) }
            let mine = all.filter { delivery in if case .int(let id)? = delivery["id"] { ids.contains(id) } else { false } }
            if !mine.contains(where: { $0["state"] == .string(DeliveryState.pending.rawValue) }) { return mine }
            if isInterrupted() { throw .unreachable("interrupted while waiting; the server goes on delivering") }
            usleep(RemoteEventDelivery.pollMicroseconds)
        }
    }
}
