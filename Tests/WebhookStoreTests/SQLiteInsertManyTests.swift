import Testing
import WebhookCore
@testable import WebhookStore
import WhsTestSupport

/// A large fan-out is inserted `DeliveryStatements.insertRows` rows a statement, the rest one
/// by one; the ids it answers with must be the rows' own, in the webhooks' order.
@Suite struct SQLiteInsertManyTests {
    static let deliver = EventType.named("deliver")!

    @Test(arguments: [1, 99, 100, 101, 250]) func everyAnsweredIdIsItsWebhooksRow(_ width: Int) throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.path + "/s.sqlite")
        let body = Array("{\"event\":\"deliver\"}".utf8)
        // Deliveries and a deleted one before: ids go on from the AUTOINCREMENT counter.
        let earlier = (1...3).map { Webhook(id: 900 + $0, url: "https://b.example/\($0)", events: EventSet([Self.deliver]), apiUser: "") }
        _ = try store.insertDeliveries(account: "other", webhooks: earlier, event: Self.deliver, messageID: "m0", payload: body, at: 50)
        try store.withLock { () throws(WebhookError) in try store.connection.execute("DELETE FROM deliveries WHERE id = 3") }
        let hooks = (0..<width).map { Webhook(id: 10 + $0 * 7, url: "https://a.example/h/\($0)", events: EventSet([Self.deliver]), apiUser: "") }
        let made = try store.insertDeliveries(account: "acme", webhooks: hooks, event: Self.deliver, messageID: "m1", payload: body, at: 100)
        #expect(made.map(\.webhookID) == hooks.map(\.id))
        #expect(made.map(\.id) == Array(4..<(4 + width)))
        let logged = try store.deliveries(account: "acme", DeliveryQuery(messageID: "m1", limit: 10_000))
        #expect(logged.count == width)
        for (answered, read) in zip(made, logged) {
            #expect(answered == read)
            #expect(try store.outgoing(deliveryID: answered.id)?.url == answered.url)
            #expect(try store.outgoing(deliveryID: answered.id)?.payload == body)
        }
    }
}
