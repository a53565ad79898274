import Testing
import WebhookCore
import WebhookDelivery
import WebhookStore
import WhsSupport

/// The dispatcher against a real receiver on loopback, in process: fan-out, retries, the log.
/// (The same claims through the built binary: Tests/delivery.)
@Suite(.serialized) struct DispatcherTests {

    func settle(_ dispatcher: Dispatcher, _ ids: [Int], within seconds: Double = 20) async throws {
        let deadline = Clock.now() + seconds
        while !dispatcher.isSettled(ids) {
            guard Clock.now() < deadline else { Issue.record("deliveries did not settle in \(seconds) s"); return }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test func failsTheFirstTwoThenSucceedsOnTheThirdAttempt() async throws {
        let store = MemoryStore()
        var options = ListenOptions()
        options.failFirst = 2
        options.appKey = try store.appKey(account: "acme")
        try await withReceiver(options) { receiver, port in
            let hook = try store.account("acme").add(try WebhookDraft.validated(url: "http://127.0.0.1:\(port)/h", apiUser: nil, events: nil))
            let dispatcher = Dispatcher(store: store, schedule: try RetrySchedule([0.05, 0.05, 0.05]))
            let result = try await dispatcher.trigger(account: "acme", EventTrigger(event: EventType.named("deliver")!))
            #expect(result.deliveries.map(\.webhookID) == [hook.id])
            try await settle(dispatcher, result.deliveries.map(\.id))
            let logged = try store.deliveries(account: "acme", DeliveryQuery())
            #expect(logged.count == 1)
            #expect(logged[0].state == .succeeded)
            #expect(logged[0].attempts.map(\.status) == [500, 500, 200])
            #expect(logged[0].attempts.map(\.number) == [1, 2, 3])
            let received = receiver.received()
            #expect(received.count == 3)
            #expect(received.allSatisfy { $0["signature"] == .string("md5") })
        }
    }

    @Test func givesUpAfterTheSchedule() async throws {
        let store = MemoryStore()
        var options = ListenOptions()
        options.respond = 503
        try await withReceiver(options) { receiver, port in
            _ = try store.account("acme").add(try WebhookDraft.validated(url: "http://127.0.0.1:\(port)/h", apiUser: nil, events: nil))
            let dispatcher = Dispatcher(store: store, schedule: try RetrySchedule([0.02, 0.02]))
            let result = try await dispatcher.trigger(account: "acme", EventTrigger(event: EventType.named("open")!))
            try await settle(dispatcher, result.deliveries.map(\.id))
            let logged = try store.deliveries(account: "acme", DeliveryQuery())
            #expect(logged[0].state == .failed)
            #expect(logged[0].attempts.map(\.error) == ["HTTP 503", "HTTP 503", "HTTP 503"])
            #expect(logged[0].nextAttempt == nil)
            #expect(receiver.received().count == 3)
        }
    }

    @Test func reachesOnlyMatchingWebhooks() async throws {
        let store = MemoryStore()
        try await withReceiver(ListenOptions()) { receiver, port in
            let account = store.account("acme")
            func add(_ path: String, _ events: String, _ apiUser: String) throws -> Webhook {
                try account.add(try WebhookDraft.validated(url: "http://127.0.0.1:\(port)/\(path)", apiUser: apiUser,
                                                           events: events.split(separator: ",").map { .name(String($0)) }))
            }
            let all = try add("all", "deliver", "")
            let alice = try add("alice", "deliver,open", "alice")
            _ = try add("bob", "deliver", "bob")
            _ = try add("opens", "open", "")
            _ = try store.account("other").add(try WebhookDraft.validated(url: "http://127.0.0.1:\(port)/other", apiUser: nil, events: nil))
            let dispatcher = Dispatcher(store: store, schedule: try RetrySchedule([]))
            let result = try await dispatcher.trigger(account: "acme", EventTrigger(event: EventType.named("deliver")!, apiUser: "alice"))
            #expect(result.deliveries.map(\.webhookID) == [all.id, alice.id])
            try await settle(dispatcher, result.deliveries.map(\.id))
            let paths = receiver.received().compactMap { push -> String? in if case .string(let path)? = push["path"] { path } else { nil } }
            #expect(Set(paths) == ["/all", "/alice"])
            #expect(paths.count == 2)

            let none = try await dispatcher.trigger(account: "acme", EventTrigger(event: EventType.named("click")!))
            #expect(none.deliveries.isEmpty)
            #expect(none.note == "no webhook subscribes to click")
        }
    }
}
