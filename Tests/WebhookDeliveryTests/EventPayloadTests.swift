import Testing
import WebhookCore
import WebhookDelivery
import WhsSupport

@Suite struct EventPayloadTests {
    static let statusEvents = ["request", "deliver", "sent", "invalid", "soft_bounce"]
    static let engagementEvents = ["open", "click", "unsubscribe", "report_spam"]

    @Test(arguments: EventType.all)
    func envelopeOfEveryEvent(_ event: EventType) throws {
        let body = try EventPayload.build(EventTrigger(event: event, apiUser: "alice", to: "bob@example.com"), messageID: "m-1", itime: 1_764_176_584_512)
        guard case .object(let members) = body else { Issue.record("not an object"); return }
        let keys = members.map(\.key)
        let detail = EventPayloadTests.statusEvents.contains(event.name) ? "status" : "response"
        #expect(keys == ["message_id", "from", "subject", "to", "server", "itime", "custom_args", detail])
        #expect(body["message_id"] == .string("m-1"))
        #expect(body["to"] == .string("bob@example.com"))
        #expect(body["server"] == .string("email"))
        #expect(body["itime"] == .int(1_764_176_584_512))
        #expect(body["custom_args"] == .object([]))
        if detail == "status" {
            #expect(body["status"]?["message_status"] == .string(event.name))
            guard case .object(let data)? = body["status"]?["status_data"] else { Issue.record("no status_data"); return }
            #expect(!data.isEmpty)
        } else {
            #expect(body["response"]?["event"] == .string(event.name))
            guard case .object(let data)? = body["response"]?["response_data"] else { Issue.record("no response_data"); return }
            #expect(!data.isEmpty)
        }
    }

    @Test func everyEventIsStatusOrEngagement() {
        #expect(Set(EventType.all.map(\.name)) == Set(EventPayloadTests.statusEvents + EventPayloadTests.engagementEvents))
    }

    @Test func dataMergesDeeply() throws {
        let data = try JSON.parse(#"{"subject":"Hi","custom_args":{"campaign":"c1"},"response":{"response_data":{"url":"https://x.example/a"}},"extra":[1]}"#)
        let body = try EventPayload.build(EventTrigger(event: EventType.named("click")!, data: data), messageID: "m", itime: 1)
        #expect(body["subject"] == .string("Hi"))
        #expect(body["custom_args"] == .object([("campaign", .string("c1"))]))
        #expect(body["response"]?["response_data"]?["url"] == .string("https://x.example/a"))
        // What the patch does not name stays.
        #expect(body["response"]?["event"] == .string("click"))
        #expect(body["response"]?["response_data"]?["ip"] == .string("203.0.113.7"))
        #expect(body["from"] == .string("support@example.com"))
        #expect(body["extra"] == .array([.int(1)]))
    }

    @Test func dataMustBeAnObject() {
        #expect(throws: WebhookError.self) {
            try EventPayload.build(EventTrigger(event: EventType.all[0], data: .array([])), messageID: "m", itime: 1)
        }
    }

    @Test func messageIDsDiffer() {
        let ids = (0..<1000).map { _ in EventPayload.newMessageID(itime: 5) }
        #expect(Set(ids).count == 1000)
        #expect(ids[0].hasPrefix("5_"))
    }
}
