import MailSandbox
import Testing
import WebhookCore
import WebhookDelivery
import WebhookStore
import WhsSupport
import WhsTestSupport

/// The sandbox on both stores, without pushing anywhere (webhooks point at a closed port and
/// the retry schedule is empty, so every delivery fails at once and settles).
@Suite struct MailerTests {
    static func stores(_ directory: TemporaryDirectory) throws -> [(String, any MailStore & DeliveryStore & WebhookBackend)] {
        [("memory", MemoryStore()), ("sqlite", try SQLiteStore(path: directory.path + "/mail.sqlite"))]
    }

    static func mailer(_ store: any MailStore & DeliveryStore, delay: Double = 0) -> Mailer {
        Mailer(store: store, dispatcher: Dispatcher(store: store, schedule: try! RetrySchedule([]), timeout: 1), eventDelay: delay)
    }

    static func send(_ to: [String], requestID: String? = nil, extra: String = "") -> JSON {
        let list = to.map { "\"\($0)\"" }.joined(separator: ",")
        let id = requestID.map { #","request_id":"\#($0)""# } ?? ""
        return try! JSON.parse(#"{"from":"shop@example.com","to":[\#(list)],"body":{"subject":"Hi","content":{"html":"<a href='https://x.example/a'>a</a>"}\#(extra)}\#(id)}"#)
    }

    @Test func aSendIsWrittenWholeWithEachRecipientsLife() throws {
        let directory = try TemporaryDirectory()
        for (name, store) in try Self.stores(directory) {
            try store.grant(UserGrant(account: "acme", apiUser: "alice", apiKey: "k1"))
            try store.grant(UserGrant(account: "acme", apiUser: "bob", apiKey: "k2"))
            let service = try store.service(account: "acme")
            _ = try service.add(try WebhookDraft.validated(url: "http://127.0.0.1:9/all", apiUser: nil, events: nil))
            _ = try service.add(try WebhookDraft.validated(url: "http://127.0.0.1:9/opens", apiUser: nil, events: [.name("open")]))
            _ = try service.add(try WebhookDraft.validated(url: "http://127.0.0.1:9/bob", apiUser: "bob", events: nil))
            let mailer = Self.mailer(store)
            let sent = try mailer.send(account: "acme", apiUser: "alice", Self.send(["ann+open@example.com", "cy+invalid@example.com"]), template: false)
            guard case .array(let ids)? = sent.answer["email_ids"], case .string(let first)? = ids.first else { Issue.record("\(sent.answer)"); continue }
            #expect(first.hasSuffix("0$ann+open@example.com"), "\(name)")
            // ann: request, sent, deliver, open to /all, and open to /opens; cy: request, invalid to /all.
            // The webhook bound to bob hears nothing of alice's mail.
            #expect(sent.deliveryIDs.count == 7, "\(name): \(sent.deliveryIDs)")
            let mails = try store.mails(account: "acme", MailQuery())
            #expect(mails.map { $0.events.map(\.event.name) } == [["request", "sent", "deliver", "open"], ["request", "invalid"]], "\(name)")
            #expect(try store.mails(account: "other", MailQuery()).isEmpty, "\(name): another account sees nothing")
            let ann = try #require(try store.mail(account: "acme", id: mails[0].id))
            #expect(ann.deliveries.map(\.event.name) == ["request", "sent", "deliver", "open", "open"], "\(name)")
            #expect(ann.header.apiUser == "alice")
            #expect(try mailer.mailID(account: "acme", first) == ann.id)
        }
    }

    @Test func aRequestIDSendsOnceAnHour() throws {
        let directory = try TemporaryDirectory()
        for (name, store) in try Self.stores(directory) {
            let mailer = Self.mailer(store)
            let first = try mailer.send(account: "acme", apiUser: "", Self.send(["a@example.com"], requestID: "r-1"), template: false)
            let again = try mailer.send(account: "acme", apiUser: "", Self.send(["a@example.com", "b@example.com"], requestID: "r-1"), template: false)
            #expect(again.answer == first.answer, "\(name): the first answer again")
            #expect(again.deliveryIDs.isEmpty)
            #expect(try store.mails(account: "acme", MailQuery()).count == 1, "\(name): nothing new sent")
            // Another account's request ids are its own.
            _ = try mailer.send(account: "other", apiUser: "", Self.send(["a@example.com"], requestID: "r-1"), template: false)
            #expect(try store.mails(account: "other", MailQuery()).count == 1, "\(name)")
            // After the hour the id is free again.
            let plan = PlannedSend(account: "acme", apiUser: "", requestID: "r-1", answer: .object([]), mails: [], created: Clock.now())
            guard case .sent = try store.recordSend(plan, repeatsSince: Clock.now() + 1) else { Issue.record("\(name): an old id still repeats"); continue }
        }
    }

    @Test func templatesArePerAccountAndVariablesReplaced() throws {
        let directory = try TemporaryDirectory()
        for (name, store) in try Self.stores(directory) {
            let mailer = Self.mailer(store)
            let made = try mailer.template(account: "acme", name: "welcome", subject: "Hi {{name}} %n%", html: "<p>{{name}}</p>", text: "")
            let replaced = try mailer.template(account: "acme", name: "welcome", subject: "Hello {{name}} %n%", html: "<p>{{name}}</p>", text: "t")
            #expect(replaced.created == made.created && replaced.subject == "Hello {{name}} %n%", "\(name)")
            #expect(try store.templates(account: "other").isEmpty, "\(name)")
            let body = try JSON.parse(#"{"from":"s@example.com","to":["a@example.com","b@example.com"],"body":{"template_invoke_name":"welcome","vars":{"n":["1","2"]},"dynamic_vars":[{"name":"Ann"},{"name":"Bob"}]}}"#)
            _ = try mailer.send(account: "acme", apiUser: "", body, template: true)
            let mails = try store.mails(account: "acme", MailQuery())
            #expect(mails.map(\.header.subject) == ["Hello Ann 1", "Hello Bob 2"], "\(name)")
            #expect(mails.map(\.html) == ["<p>Ann</p>", "<p>Bob</p>"], "\(name)")
            #expect(mails[0].header.template == "welcome")
            #expect(throws: WebhookError.templateNotFound("welcome")) { try mailer.send(account: "other", apiUser: "", body, template: true) }
            #expect(try store.deleteTemplate(account: "acme", name: "welcome") == 1)
            #expect(try store.deleteTemplate(account: "acme", name: "welcome") == 0)
        }
    }

    @Test func engagementOnlyOnADeliveredMail() throws {
        let directory = try TemporaryDirectory()
        for (name, store) in try Self.stores(directory) {
            let mailer = Self.mailer(store)
            _ = try mailer.send(account: "acme", apiUser: "", Self.send(["a@example.com", "b+invalid@example.com"]), template: false)
            let mails = try store.mails(account: "acme", MailQuery())
            _ = try mailer.engage(account: "acme", mail: mails[0].id, event: EventType.named("click")!, url: nil)
            let clicked = try #require(try store.mail(account: "acme", id: mails[0].id))
            #expect(clicked.events.last?.event.name == "click", "\(name)")
            #expect(clicked.events.last?.detail == .object([("url", .string("https://x.example/a"))]), "\(name): the first link of the html")
            #expect(throws: WebhookError.self) { try mailer.engage(account: "acme", mail: mails[1].id, event: EventType.named("open")!, url: nil) }
            #expect(throws: WebhookError.self) { try mailer.engage(account: "acme", mail: mails[0].id, event: EventType.named("deliver")!, url: nil) }
            #expect(throws: WebhookError.mailNotFound(String(mails[0].id))) {
                try mailer.engage(account: "other", mail: mails[0].id, event: EventType.named("open")!, url: nil)
            }
        }
    }

    /// A mail's deliveries to one webhook form a chain in the log, so that a restart sends
    /// what was not attempted yet in order.
    @Test func pendingChainsSurviveInTheLog() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/chain.sqlite"
        do {
            let store = try SQLiteStore(path: path)
            _ = try store.account("local").add(try WebhookDraft.validated(url: "http://127.0.0.1:9/h", apiUser: nil, events: nil))
            // A dispatcher that never runs: the deliveries stay pending, as after a kill.
            let plan = try Self.plan(store)
            guard case .sent(let chains) = try store.recordSend(plan, repeatsSince: 0) else { Issue.record("not sent"); return }
            #expect(chains.count == 1 && chains[0].count == 3)
        }
        let reopened = try SQLiteStore(path: path)
        let pending = try reopened.pendingDeliveries()
        #expect(pending.map(\.after) == [nil, pending[0].id, pending[1].id])
        #expect(pending.allSatisfy { $0.attemptsMade == 0 })
    }

    static func plan(_ store: SQLiteStore) throws -> PlannedSend {
        let header = MailHeader(messageID: "m", emailID: "m0$a@example.com", taskID: 1, apiUser: "", from: "s@example.com", to: "a@example.com",
                                address: "a@example.com", subject: "s", customArgs: .object([]), labelID: nil, labelName: nil, template: nil)
        let webhooks = try store.subscribers(account: "local", event: EventType.named("sent")!)
        let events = ["request", "sent", "deliver"].enumerated().map { step, name in
            PlannedEvent(event: EventType.named(name)!, time: 100 + Double(step), detail: .object([]), payload: Array("{}".utf8), webhooks: webhooks)
        }
        return PlannedSend(account: "local", apiUser: "", requestID: nil, answer: .object([]),
                           mails: [PlannedMail(header: header, html: "", text: "t", events: events)], created: 100)
    }
}
