import Dispatch
import Testing
import WebhookCore
@testable import WebhookDelivery
import WebhookStore
import WhsSupport
import WhsTestSupport

/// A script's `wait=true` on a store this process delivers from: it wakes when the attempt log
/// writes a batch (`LogWake`), not on a timer, and reads the log complete.
@Suite(.serialized) struct LocalEventDeliveryTests {
    @Test func aWaitedFanOutAnswersEveryDeliveryAsTheLogHasIt() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.path + "/fanout.sqlite")
        try await withReceiver { receiver, port in
            for n in 0..<50 {
                _ = try store.account("local").add(try WebhookDraft.validated(url: "http://127.0.0.1:\(port)/h/\(n)", apiUser: nil, events: nil))
            }
            // A 30 s deadline per push: a CI run of every suite at once on two cores must not time one out.
            let delivery = try LocalEventDelivery(store: store, dispatcher: Dispatcher(store: store, timeout: 30))
            let answer = try delivery.trigger(EventTrigger(event: EventType.named("deliver")!), wait: DeliveryWait(timeout: 120))
            guard case .array(let deliveries)? = answer["deliveries"] else { Issue.record("no deliveries in \(answer)"); return }
            #expect(answer["count"] == .int(50))
            #expect(answer["note"] == nil)
            #expect(deliveries.count == 50)
            #expect(deliveries.allSatisfy { $0["state"] == .string("succeeded") })
            #expect(deliveries.allSatisfy { if case .array(let attempts)? = $0["attempts"] { attempts.count == 1 } else { false } })
            // The answer is the log's: the same JSON as reading the message's deliveries afterwards.
            guard case .string(let messageID)? = answer["message_id"] else { Issue.record("no message_id"); return }
            #expect(try delivery.deliveries(DeliveryQuery(messageID: messageID, limit: 1000))["deliveries"] == .array(deliveries))
            #expect(receiver.received().count == 50)
        }
    }

    @Test func anArmedWaitWakesWhenRaised() {
        let wake = LogWake()
        wake.arm()
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(20)) { wake.raise() }
        let started = Clock.now()
        wake.wait(seconds: 120)
        // Raised after 20 ms; the bound is loose for a loaded machine, far under the 120 s.
        #expect(Clock.now() - started < 60)
    }

    @Test func aRaiseWithNobodyArmedLeavesNothingBehind() {
        let wake = LogWake()
        wake.raise()
        let started = Clock.now()
        wake.wait(seconds: 0.2)
        // A timed wait does not end early unless raised; a wake-up left behind would end it
        // at once. Half the time, so that clocks' granularity cannot matter.
        #expect(Clock.now() - started >= 0.1)
    }
}
