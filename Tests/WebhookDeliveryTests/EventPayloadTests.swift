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
        // The request event's envelope leaves from, subject and to empty (SENDING.md).
        #expect(body["to"] == .string(event.name == "request" ? "" : "bob@example.com"))
        #expect(body["server"] == .string("email"))
        #expect(body["itime"] == .int(1_764_176_584_512))
        #expect(body["custom_args"] == .object([]))
        if detail == "status" {
            #expect(body["status"]?["message_status"] == .string(event.wireName))
            guard case .object(let data)? = body["status"]?["status_data"] else { Issue.record("no status_data"); return }
            #expect(!data.isEmpty)
        } else {
            #expect(body["response"]?["event"] == .string(event.wireName))
            guard case .object(let data)? = body["response"]?["response_data"] else { Issue.record("no response_data"); return }
            #expect(!data.isEmpty)
        }
    }

    @Test func everyEventIsStatusOrEngagement() {
        #expect(Set(EventType.all.map(\.name)) == Set(EventPayloadTests.statusEvents + EventPayloadTests.engagementEvents))
    }

    @Test func dataMergesDeeply() throws {
        let data = try JSON.parse(#"{"subject":"Hi","custom_args":{"campaign":"c1"},"response":{"response_data":{"url":"https://x.example/a"}},"extra":[1]}"#)
        let body = try EventPayload.build(EventTrigger(event: EventType.named("click")!, data: data), messageID: "m", itime: 1, extras: true)
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
        #expect(ids.allSatisfy { $0.hasSuffix(".sc-whs-inbound") })
    }

    /// SENDING.md's names: the request event is "target", deliver "delivered", invalid
    /// "invalid_email"; the table maps each back.
    @Test func wireNamesAsPublished() {
        let names = Dictionary(uniqueKeysWithValues: EventType.all.map { ($0.name, $0.wireName) })
        #expect(names == ["request": "target", "sent": "sent", "deliver": "delivered", "invalid": "invalid_email", "soft_bounce": "soft_bounce",
                          "open": "open", "click": "click", "unsubscribe": "unsubscribe", "report_spam": "report_spam"])
        for event in EventType.all { #expect(EventType.withWireName(event.wireName) == event) }
    }

    /// A mail's event carries the mail: its ids, subject, recipient and custom_args.
    @Test func aMailsEventCarriesTheMail() {
        let mail = EventPayload.Mail(messageID: "m1.sc-whs-inbound", emailID: "m1.sc-whs-inbound0$ann@example.com", taskID: 42, apiUser: "alice",
                                     from: "Shop <shop@example.com>", subject: "Hi Ann", to: "ann@example.com",
                                     customArgs: .object([("order", .int(7))]), labelID: 3, url: "https://shop.example/a")
        let request = EventPayload.build(EventType.named("request")!, of: mail, itime: 9)
        #expect(request["from"] == .string("") && request["subject"] == .string("") && request["to"] == .string(""))
        #expect(request["status"]?["status_data"]?["tos"] == .array([.string("ann@example.com")]))
        #expect(request["status"]?["status_data"]?["email_ids"] == .array([.string(mail.emailID)]))
        #expect(request["status"]?["status_data"]?["task_id"] == .int(42))
        #expect(request["status"]?["status_data"]?["label_id"] == .int(3))
        let sent = EventPayload.build(EventType.named("sent")!, of: mail, itime: 9)
        #expect(sent["status"]?["status_data"]?["email_id"] == .string(mail.emailID))
        #expect(sent["status"]?["status_data"]?["message"] == .string("Successfully sent"))
        #expect(sent["custom_args"] == .object([("order", .int(7))]))
        #expect(sent["subject"] == .string("Hi Ann"))
        let click = EventPayload.build(EventType.named("click")!, of: mail, itime: 9, extras: true)
        #expect(click["response"]?["response_data"]?["url"] == .string("https://shop.example/a"))
        #expect(click["response"]?["response_data"]?["email_id"] == .string(mail.emailID))
        let bounce = EventPayload.build(EventType.named("soft_bounce")!, of: mail, itime: 9, extras: true)
        #expect(bounce["status"]?["status_data"]?["error_detail"]?["sub_stat"] == .int(452))
    }

    /// docs/FIDELITY.md, "status_data" and "response_data": by default only what a public source
    /// shows, each event with its message; the samples only when asked for.
    @Test(arguments: [
        ("request", ["message", "task_id", "api_user", "from", "subject", "tos", "email_ids", "label_id"], "successfully request"),
        ("sent", ["message", "task_id", "api_user", "email_id"], "Successfully sent"),
        ("deliver", ["message", "task_id", "api_user", "email_id"], "Successfully delivered"),
        ("invalid", ["message", "task_id", "api_user", "email_id"], "Invalid address"),
        ("soft_bounce", ["message", "task_id", "api_user", "email_id"], "Soft bounce"),
        ("open", ["email_id", "message"], "open email"),
        ("click", ["email_id", "message"], "click email"),
        ("unsubscribe", ["email_id", "message"], "unsubscribe email"),
        ("report_spam", ["email_id", "message"], "report_spam email"),
    ])
    func bodiesCarryNoInventedField(_ name: String, _ fields: [String], _ message: String) throws {
        let body = try EventPayload.build(EventTrigger(event: EventType.named(name)!), messageID: "m", itime: 1)
        let event = EventType.named(name)!
        guard case .object(let data)? = event.isStatus ? body["status"]?["status_data"] : body["response"]?["response_data"] else {
            Issue.record("no data object")
            return
        }
        #expect(data.map(\.key) == fields)
        // FIDELITY.md F-93: the published target example shows 0 for a send without a label.
        if name == "request" { #expect(data.first { $0.key == "label_id" }?.value == .int(0)) }
        #expect(body[event.isStatus ? "status" : "response"]?[event.isStatus ? "status_data" : "response_data"]?["message"] == .string(message))
        let rich = try EventPayload.build(EventTrigger(event: event), messageID: "m", itime: 1, extras: true)
        #expect(rich.bytes.count > body.bytes.count || name == "request" || name == "sent")
    }
}
