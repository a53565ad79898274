import Testing
import WebhookCore
@testable import WebhookStore
import WhsTestSupport

/// A fan-out's body stored once (schema step 8) and one message's deliveries read through
/// their own index: what docs/PERFORMANCE.md's "SQLite fan-out" changed, and that a store from
/// before it still delivers what it had pending.
@Suite struct SQLiteFanOutTests {
    static let deliver = EventType.named("deliver")!

    func count(_ store: SQLiteStore, _ sql: String) throws -> Int {
        try store.withLock { () throws(WebhookError) in try store.connection.integer(sql) }
    }

    @Test func aFanOutWritesItsBodyOnceAndEachDeliverySendsIt() throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.path + "/s.sqlite")
        let hooks = (1...3).map { Webhook(id: $0, url: "https://a.example/\($0)", events: EventSet([Self.deliver]), apiUser: "") }
        let body = Array("{\"event\":\"deliver\",\"n\":1}".utf8)
        let made = try store.insertDeliveries(account: "acme", webhooks: hooks, event: Self.deliver, messageID: "m1", payload: body, at: 100)
        #expect(made.count == 3)
        #expect(try count(store, "SELECT count(*) FROM delivery_bodies") == 1)
        #expect(try count(store, "SELECT count(*) FROM deliveries WHERE length(payload) = 0 AND body_id IS NOT NULL") == 3)
        for delivery in made {
            #expect(try store.outgoing(deliveryID: delivery.id)?.payload == body)
        }
        // A copy (redeliver) names the same body.
        let copy = try store.copyDelivery(account: "acme", id: made[1].id, at: 200)
        #expect(try store.outgoing(deliveryID: copy.id)?.payload == body)
        #expect(try count(store, "SELECT count(*) FROM delivery_bodies") == 1)
        // A body stays while any delivery names it, and goes with the last.
        try store.withLock { () throws(WebhookError) in
            try store.connection.execute("DELETE FROM deliveries WHERE id IN (\(made[0].id), \(made[1].id), \(made[2].id))")
        }
        #expect(try count(store, "SELECT count(*) FROM delivery_bodies") == 1)
        #expect(try store.outgoing(deliveryID: copy.id)?.payload == body)
        try store.withLock { () throws(WebhookError) in try store.connection.execute("DELETE FROM deliveries WHERE id = \(copy.id)") }
        #expect(try count(store, "SELECT count(*) FROM delivery_bodies") == 0)
    }

    /// A send's pushes keep their bodies in `delivery_bodies` too (one per event of a mail,
    /// whatever the number of webhooks): each delivery sends its own event's body, and the
    /// bodies go with their deliveries.
    @Test func aSendsEventsEachWriteTheirBodyOnce() throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.path + "/s.sqlite")
        let hooks = (1...2).map { Webhook(id: $0, url: "https://a.example/\($0)", events: EventSet([Self.deliver]), apiUser: "") }
        let events = ["request", "deliver"].enumerated().map { step, name in
            var planned = PlannedEvent(event: EventType.named(name)!, time: 100 + Double(step), detail: .object([]),
                                       payload: Array("{\"event\":\"\(name)\"}".utf8), webhooks: hooks)
            planned.step = step
            return planned
        }
        let mail = PlannedMail(header: MailHeader(messageID: "m1", emailID: "m1$r@example.com", taskID: 1, apiUser: "",
                                                  from: "s@example.com", to: "r@example.com", address: "r@example.com", subject: "Hi",
                                                  customArgs: .object([]), labelID: nil, labelName: nil, template: nil),
                               html: "", text: "t", events: events)
        guard case .sent(let chains) = try store.recordSend(PlannedSend(account: "acme", apiUser: "", requestID: nil, answer: .object([]),
                                                                        mails: [mail], created: 100), repeatsSince: 0) else {
            Issue.record("the send was not written")
            return
        }
        #expect(chains.count == 2 && chains.allSatisfy { $0.count == 2 })
        #expect(try count(store, "SELECT count(*) FROM delivery_bodies") == 2)
        #expect(try count(store, "SELECT count(*) FROM deliveries WHERE length(payload) = 0 AND body_id IS NOT NULL") == 4)
        for chain in chains {
            #expect(try store.outgoing(deliveryID: chain[0].id)?.payload == Array(#"{"event":"request"}"#.utf8))
            #expect(try store.outgoing(deliveryID: chain[1].id)?.payload == Array(#"{"event":"deliver"}"#.utf8))
            #expect(chain.map { $0.outgoing?.payload } == [Array(#"{"event":"request"}"#.utf8), Array(#"{"event":"deliver"}"#.utf8)])
        }
        for delivery in chains.joined() {
            try store.recordAttempt(deliveryID: delivery.id, DeliveryAttempt(number: 1, time: 102, status: 200, latencyMilliseconds: 1, error: nil),
                                    state: .succeeded, nextAttempt: nil)
        }
        _ = try store.clear(account: "acme", [.deliveries], before: nil)
        #expect(try count(store, "SELECT count(*) FROM delivery_bodies") == 0)
    }

    @Test func aResetTakesTheBodiesOfItsDeliveries() throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.path + "/s.sqlite")
        let hook = Webhook(id: 1, url: "https://a.example/1", events: EventSet([Self.deliver]), apiUser: "")
        let mine = try store.insertDeliveries(account: "acme", webhooks: [hook, hook], event: Self.deliver, messageID: "m1", payload: [1, 2], at: 100)
        let theirs = try store.insertDeliveries(account: "other", webhooks: [hook], event: Self.deliver, messageID: "m2", payload: [3], at: 100)
        for delivery in mine + theirs {
            try store.recordAttempt(deliveryID: delivery.id, DeliveryAttempt(number: 1, time: 100, status: 200, latencyMilliseconds: 1, error: nil),
                                    state: .succeeded, nextAttempt: nil)
        }
        _ = try store.clear(account: "acme", [.deliveries], before: nil)
        #expect(try count(store, "SELECT count(*) FROM delivery_bodies") == 1)
        #expect(try store.outgoing(deliveryID: theirs[0].id)?.payload == [3])
    }

    /// A store made before step 8, with a delivery still pending (its body inline), upgrades
    /// when opened: the pending delivery is resumed and sends its own body; new fan-outs and a
    /// copy of the old delivery work beside it.
    @Test func aStoreWithPendingDeliveriesUpgrades() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/s.sqlite"
        let old = Array("{\"event\":\"deliver\",\"old\":true}".utf8)
        do {
            let connection = try SQLiteConnection(path: path)
            for step in 0..<7 { try connection.execute(Schema.migrations[step]) }
            try connection.execute("PRAGMA user_version = 7")
            try connection.execute("""
                INSERT INTO deliveries(account, webhook_id, url, event, message_id, payload, state, next_attempt, created)
                VALUES ('acme', 1, 'https://a.example/1', \(Self.deliver.code), 'm0', x'\(old.map { hex($0) }.joined())', 'pending', 50, 50)
                """)
        }
        let store = try SQLiteStore(path: path)
        #expect(try count(store, "PRAGMA user_version") == Schema.migrations.count)
        let pending = try store.pendingDeliveries()
        #expect(pending.map(\.id) == [1])
        let outgoing = try #require(try store.outgoing(deliveryID: 1))
        #expect(outgoing.payload == old && outgoing.state == .pending && outgoing.url == "https://a.example/1")
        let copy = try store.copyDelivery(account: "acme", id: 1, at: 60)
        #expect(try store.outgoing(deliveryID: copy.id)?.payload == old)
        let hook = Webhook(id: 1, url: "https://a.example/1", events: EventSet([Self.deliver]), apiUser: "")
        let fresh = try store.insertDeliveries(account: "acme", webhooks: [hook], event: Self.deliver, messageID: "m1", payload: [9], at: 70)
        #expect(try store.outgoing(deliveryID: fresh[0].id)?.payload == [9])
        #expect(try store.deliveries(account: "acme", DeliveryQuery(messageID: "m0", limit: 10)).map(\.id) == [1, copy.id])
    }

    /// The wait's read of one message's deliveries goes through `deliveries_by_message`, not
    /// through every delivery of the account.
    @Test func oneMessagesDeliveriesAreReadByItsIndex() throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.path + "/s.sqlite")
        let hook = Webhook(id: 1, url: "https://a.example/1", events: EventSet([Self.deliver]), apiUser: "")
        for n in 0..<5 {
            _ = try store.insertDeliveries(account: "acme", webhooks: [hook, hook], event: Self.deliver, messageID: "m\(n)", payload: [1], at: 100)
        }
        #expect(try store.deliveries(account: "acme", DeliveryQuery(messageID: "m3", limit: 10)).map(\.id) == [7, 8])
        #expect(try store.deliveries(account: "acme", DeliveryQuery(messageID: "m3", limit: 1)).map(\.id) == [8])
        let details = try store.withLock { () throws(WebhookError) -> [String] in
            let sql = try store.deliveryStatements().selectByMessage.sql
            let plan = try store.connection.prepare("EXPLAIN QUERY PLAN " + sql)
            var details: [String] = []
            while try plan.step() { details.append(plan.text(3)) }
            return details
        }
        #expect(details.contains { $0.contains("deliveries_by_message") }, "\(details)")
        #expect(!details.contains { $0.contains("TEMP B-TREE") }, "\(details)")
    }

    func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}
