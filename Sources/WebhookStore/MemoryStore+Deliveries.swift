import WebhookCore

/// The delivery log in memory: the same rules as the SQLite log, gone with the process.
extension MemoryStore: DeliveryStore {
    public func appKey(account: String) throws(WebhookError) -> String {
        state.withLock { state in
            if let key = state.appKeys[account] { return key }
            let key = KeyHash.newAppKey()
            state.appKeys[account] = key
            return key
        }
    }

    public func subscribers(account: String, events: EventSet) throws(WebhookError) -> [Webhook] {
        state.withLock { $0.webhooks[account, default: []].filter { $0.events.mask & events.mask != 0 } }
    }

    public func insertDeliveries(account: String, webhooks: [Webhook], event: EventType, messageID: String,
                                 payload: [UInt8], at time: Double) throws(WebhookError) -> [Delivery] {
        state.withLock { state in
            webhooks.map { webhook in
                let delivery = Delivery(id: state.nextDeliveryID(), webhookID: webhook.id, url: webhook.url, event: event,
                                        messageID: messageID, state: .pending, attempts: [], nextAttempt: time, created: time)
                state.deliveries.append(LoggedDelivery(account: account, delivery: delivery, payload: payload))
                return delivery
            }
        }
    }

    public func copyDelivery(account: String, id: Int, at time: Double) throws(WebhookError) -> Delivery {
        try state.withLock { state throws(WebhookError) -> Delivery in
            guard let index = state.deliveryIndex(id), state.deliveries[index].account == account else {
                throw .deliveryNotFound(id: id)
            }
            let original = state.deliveries[index]
            let copy = Delivery(id: state.nextDeliveryID(), webhookID: original.delivery.webhookID, url: original.delivery.url,
                                event: original.delivery.event, messageID: original.delivery.messageID, state: .pending,
                                attempts: [], nextAttempt: time, created: time)
            state.deliveries.append(LoggedDelivery(account: account, delivery: copy, payload: original.payload, mailID: original.mailID))
            return copy
        }
    }

    public func recordAttempts(_ records: [AttemptRecord]) throws(WebhookError) {
        try state.withLock { state throws(WebhookError) in
            for record in records {
                guard let index = state.deliveryIndex(record.deliveryID) else { throw .deliveryNotFound(id: record.deliveryID) }
                state.deliveries[index].delivery.attempts.append(record.attempt)
                state.activity.add(account: state.deliveries[index].account, .attempt, ref: record.deliveryID, number: record.attempt.number,
                                   time: record.attempt.time)
                // A cancelled delivery stays cancelled: the attempt under way when it was
                // cancelled is logged, and leads to nothing more.
                guard state.deliveries[index].delivery.state != .cancelled else { continue }
                state.deliveries[index].delivery.state = record.state
                state.deliveries[index].delivery.nextAttempt = record.nextAttempt
            }
        }
    }

    public func outgoing(deliveryID: Int) throws(WebhookError) -> OutgoingDelivery? {
        state.withLock { state in
            guard let index = state.deliveryIndex(deliveryID) else { return nil }
            let entry = state.deliveries[index]
            return OutgoingDelivery(account: entry.account, url: entry.delivery.url, payload: entry.payload,
                                    attemptsMade: entry.delivery.attempts.count, state: entry.delivery.state, fault: entry.delivery.fault)
        }
    }

    public func deliveries(account: String, _ query: DeliveryQuery) throws(WebhookError) -> [Delivery] {
        state.withLock { state in
            var found: [Delivery] = []
            for entry in state.deliveries.reversed() where entry.account == account && query.matches(entry.delivery) {
                found.append(entry.delivery)
                // Failing first looks through them all: the failing ones may be the oldest.
                if found.count == query.limit, !query.failingFirst { break }
            }
            return query.arranged(newestFirst: found)
        }
    }

    public func pendingDeliveries() throws(WebhookError) -> [PendingDelivery] {
        state.withLock { state in
            state.deliveries.filter { $0.delivery.state == .pending }
                .map { PendingDelivery(id: $0.delivery.id, due: $0.delivery.nextAttempt ?? 0, after: $0.after, attemptsMade: $0.delivery.attempts.count) }
                .sorted { ($0.due, $0.id) < ($1.due, $1.id) }
        }
    }
}
