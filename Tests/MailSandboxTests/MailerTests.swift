import MailSandbox
import Testing
import WebhookCore
import WebhookDelivery
import WebhookPostgres
import WebhookStore
import WhsSupport
import WhsTestSupport

/// The sandbox on every store (PostgreSQL too), without pushing anywhere (webhooks point at a
/// closed port and the retry schedule is empty, so every delivery fails at once and settles).
@Suite struct MailerTests {
    typealias Store = any AsyncMailStore & AsyncDeliveryStore & AsyncWebhookBackend

    static func stores(_ directory: TemporaryDirectory) async throws -> [(String, Store)] {
        var stores: [(String, Store)] = [("memory", MemoryStore()), ("sqlite", try SQLiteStore(path: directory.path + "/mail.sqlite"))]
        if TestPostgres.available {
            let seal = try AppKeySeal.fromKeyFile(directory.path + "/seal.key")
            stores.append(("postgres", try await PostgresStore.open(try await TestPostgres.freshDatabase(), seal: seal, node: "test")))
        }
        return stores
    }

    static func mailer(_ store: Store, delay: Double = 0) -> Mailer {
        let schedule = try! RetrySchedule([])
        let dispatcher = if let shared = store as? PostgresStore {
            Dispatcher(store: shared, node: "test", lease: 5, schedule: schedule, timeout: 1)
        } else {
            Dispatcher(store: store, schedule: schedule, timeout: 1)
        }
        return Mailer(store: store, dispatcher: dispatcher, eventDelay: delay)
    }

    static func send(_ to: [String], requestID: String? = nil, extra: String = "") -> JSON {
        let list = to.map { "\"\($0)\"" }.joined(separator: ",")
        let id = requestID.map { #","request_id":"\#($0)""# } ?? ""
        return try! JSON.parse(#"{"from":"shop@example.com","to":[\#(list)],"body":{"subject":"Hi","content":{"html":"<a href='https://x.example/a'>a</a>"}\#(extra)}\#(id)}"#)
    }

    @Test func aSendIsWrittenWholeWithEachRecipientsLife() async throws {
        let directory = try TemporaryDirectory()
        for (name, store) in try await Self.stores(directory) {
            try await store.grant(UserGrant(account: "acme", apiUser: "alice", apiKey: "k1"))
            try await store.grant(UserGrant(account: "acme", apiUser: "bob", apiKey: "k2"))
            let service = try await store.webhooks(account: "acme")
            _ = try await service.add(try WebhookDraft.validated(url: "http://127.0.0.1:9/all", apiUser: nil, events: nil))
            _ = try await service.add(try WebhookDraft.validated(url: "http://127.0.0.1:9/opens", apiUser: nil, events: [.name("open")]))
            _ = try await service.add(try WebhookDraft.validated(url: "http://127.0.0.1:9/bob", apiUser: "bob", events: nil))
            let mailer = Self.mailer(store)
            let sent = try await mailer.send(account: "acme", apiUser: "alice", Self.send(["ann+open@example.com", "cy+invalid@example.com"]), route: .send)
            guard case .array(let ids)? = sent.answer["email_ids"], case .string(let first)? = ids.first else { Issue.record("\(sent.answer)"); continue }
            #expect(first.hasSuffix("0$ann+open@example.com"), "\(name)")
            // ann: request, sent, deliver, open to /all, and open to /opens; cy: request, invalid to /all.
            // The webhook bound to bob hears nothing of alice's mail.
            #expect(sent.deliveryIDs.count == 7, "\(name): \(sent.deliveryIDs)")
            let mails = try await store.mails(account: "acme", MailQuery())
            #expect(mails.map { $0.events.map(\.event.name) } == [["request", "sent", "deliver", "open"], ["request", "invalid"]], "\(name)")
            #expect(try await store.mails(account: "other", MailQuery()).isEmpty, "\(name): another account sees nothing")
            let ann = try #require(try await store.mail(account: "acme", id: mails[0].id))
            #expect(ann.deliveries.map(\.event.name) == ["request", "sent", "deliver", "open", "open"], "\(name)")
            #expect(ann.header.apiUser == "alice")
            #expect(try await mailer.mailID(account: "acme", first) == ann.id)
        }
    }

    /// Faults on demand, on every store: the pushes move or gain a copy, each delivery a fault
    /// touched is marked, and the mail's life stays as it was.
    @Test func faultsMarkTheirDeliveriesAndLeaveTheMailsLife() async throws {
        let directory = try TemporaryDirectory()
        for (name, store) in try await Self.stores(directory) {
            let service = try await store.webhooks(account: "acme")
            _ = try await service.add(try WebhookDraft.validated(url: "http://127.0.0.1:9/all", apiUser: nil, events: [.name("sent"), .name("deliver")]))
            let mailer = Self.mailer(store)
            mailer.faults.lateDelay = 30
            let sent = try await mailer.send(account: "acme", apiUser: "", Self.send(["ann+dup+badsig@example.com", "bob+reorder@example.com", "cy+late@example.com"]), route: .send)
            #expect(sent.deliveryIDs.count == 8, "\(name): \(sent.deliveryIDs)")
            let mails = try await store.mails(account: "acme", MailQuery())
            #expect(mails.allSatisfy { $0.events.map(\.event.name) == ["request", "sent", "deliver"] }, "\(name)")
            let log = try await store.deliveries(account: "acme", DeliveryQuery(limit: 100))
            let marks = log.map { "\($0.event.name):\($0.fault?.rawValue ?? "-")" }
            #expect(marks == ["sent:-", "deliver:-", "deliver:duplicate", "deliver:badsig", "deliver:reorder", "sent:reorder", "sent:late", "deliver:late"], "\(name): \(marks)")
            let late = log.filter { $0.fault == .late }
            #expect(late.allSatisfy { ($0.nextAttempt ?? 0) > Clock.now() + 20 || $0.state != .pending }, "\(name): held back by late_delay")
        }
    }

    @Test func apiFaultsFailACallBeforeAnythingIsWritten() async throws {
        let directory = try TemporaryDirectory()
        for (name, store) in try await Self.stores(directory) {
            let mailer = Self.mailer(store)
            mailer.apiFaults = try APIFaults(parsing: "500=1")
            await #expect(throws: WebhookError.self) { try await mailer.send(account: "acme", apiUser: "", Self.send(["a@example.com"]), route: .send) }
            #expect(try await store.mails(account: "acme", MailQuery()).isEmpty, "\(name): nothing sent")
            mailer.apiFaults = APIFaults()
            _ = try await mailer.send(account: "acme", apiUser: "", Self.send(["a@example.com"]), route: .send)
            #expect(try await store.mails(account: "acme", MailQuery()).count == 1, "\(name)")
        }
    }

    @Test func aRequestIDSendsOnceAnHour() async throws {
        let directory = try TemporaryDirectory()
        for (name, store) in try await Self.stores(directory) {
            let mailer = Self.mailer(store)
            let first = try await mailer.send(account: "acme", apiUser: "", Self.send(["a@example.com"], requestID: "r-1"), route: .send)
            let again = try await mailer.send(account: "acme", apiUser: "", Self.send(["a@example.com", "b@example.com"], requestID: "r-1"), route: .send)
            #expect(again.answer == first.answer, "\(name): the first answer again")
            #expect(again.deliveryIDs.isEmpty)
            #expect(try await store.mails(account: "acme", MailQuery()).count == 1, "\(name): nothing new sent")
            // Another account's request ids are its own.
            _ = try await mailer.send(account: "other", apiUser: "", Self.send(["a@example.com"], requestID: "r-1"), route: .send)
            #expect(try await store.mails(account: "other", MailQuery()).count == 1, "\(name)")
            // After the hour the id is free again.
            let plan = PlannedSend(account: "acme", apiUser: "", requestID: "r-1", answer: .object([]), mails: [], created: Clock.now())
            guard case .sent = try await store.recordSend(plan, repeatsSince: Clock.now() + 1) else { Issue.record("\(name): an old id still repeats"); continue }
        }
    }

    @Test func templatesArePerAccountAndVariablesReplaced() async throws {
        let directory = try TemporaryDirectory()
        for (name, store) in try await Self.stores(directory) {
            let mailer = Self.mailer(store)
            let made = try await mailer.template(account: "acme", name: "welcome", subject: "Hi {{name}} %n%", html: "<p>{{name}}</p>", text: "")
            let replaced = try await mailer.template(account: "acme", name: "welcome", subject: "Hello {{name}} %n%", html: "<p>{{name}}</p>", text: "t")
            #expect(replaced.created == made.created && replaced.subject == "Hello {{name}} %n%", "\(name)")
            #expect(try await store.templates(account: "other").isEmpty, "\(name)")
            let body = try JSON.parse(#"{"from":"s@example.com","to":["a@example.com","b@example.com"],"body":{"template_invoke_name":"welcome","vars":{"n":["1","2"]},"dynamic_vars":[{"name":"Ann"},{"name":"Bob"}]}}"#)
            _ = try await mailer.send(account: "acme", apiUser: "", body, route: .template)
            let mails = try await store.mails(account: "acme", MailQuery())
            #expect(mails.map(\.header.subject) == ["Hello Ann 1", "Hello Bob 2"], "\(name)")
            #expect(mails.map(\.html) == ["<p>Ann</p>", "<p>Bob</p>"], "\(name)")
            #expect(mails[0].header.template == "welcome")
            await #expect(throws: WebhookError.templateNotFound("welcome")) { try await mailer.send(account: "other", apiUser: "", body, route: .template) }
            #expect(try await store.deleteTemplate(account: "acme", name: "welcome") == 1)
            #expect(try await store.deleteTemplate(account: "acme", name: "welcome") == 0)
        }
    }

    @Test func engagementOnlyOnADeliveredMail() async throws {
        let directory = try TemporaryDirectory()
        for (name, store) in try await Self.stores(directory) {
            let mailer = Self.mailer(store)
            _ = try await mailer.send(account: "acme", apiUser: "", Self.send(["a@example.com", "b+invalid@example.com"]), route: .send)
            let mails = try await store.mails(account: "acme", MailQuery())
            _ = try await mailer.engage(account: "acme", mail: mails[0].id, event: EventType.named("click")!, url: nil)
            let clicked = try #require(try await store.mail(account: "acme", id: mails[0].id))
            #expect(clicked.events.last?.event.name == "click", "\(name)")
            #expect(clicked.events.last?.detail == .object([("url", .string("https://x.example/a"))]), "\(name): the first link of the html")
            await #expect(throws: WebhookError.self) { try await mailer.engage(account: "acme", mail: mails[1].id, event: EventType.named("open")!, url: nil) }
            await #expect(throws: WebhookError.self) { try await mailer.engage(account: "acme", mail: mails[0].id, event: EventType.named("deliver")!, url: nil) }
            await #expect(throws: WebhookError.mailNotFound(String(mails[0].id))) {
                try await mailer.engage(account: "other", mail: mails[0].id, event: EventType.named("open")!, url: nil)
            }
        }
    }

    /// Sends made at once are written together (`SendWriter`); each still answers with its own
    /// mails, and its deliveries are exactly those of its mails in the log, on every store.
    @Test func sendsAtOnceKeepTheirOwnMailsAndDeliveries() async throws {
        let directory = try TemporaryDirectory()
        for (name, store) in try await Self.stores(directory) {
            try await store.grant(UserGrant(account: "acme", apiUser: "alice", apiKey: "k1"))
            let service = try await store.webhooks(account: "acme")
            _ = try await service.add(try WebhookDraft.validated(url: "http://127.0.0.1:9/all", apiUser: nil, events: nil))
            _ = try await service.add(try WebhookDraft.validated(url: "http://127.0.0.1:9/opens", apiUser: nil, events: [.name("open")]))
            let mailer = Self.mailer(store)
            let count = 40
            let sends = try await withThrowingTaskGroup(of: (Int, Mailer.Sent).self) { group in
                for n in 0..<count {
                    group.addTask {
                        (n, try await mailer.send(account: "acme", apiUser: "alice", Self.send(["u\(n)+open@example.com", "v\(n)@example.com"]), route: .send))
                    }
                }
                return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
            #expect(sends.count == count, "\(name)")
            var seen = Set<Int>()
            for (n, sent) in sends {
                guard case .array(let ids)? = sent.answer["email_ids"], ids.count == 2, case .string(let first) = ids[0], case .string(let second) = ids[1] else {
                    Issue.record("\(name): \(sent.answer)"); continue
                }
                #expect(first.hasSuffix("0$u\(n)+open@example.com") && second.hasSuffix("1$v\(n)@example.com"), "\(name)")
                // u: request, sent, deliver, open to /all and open to /opens; v: request, sent, deliver to /all.
                #expect(sent.deliveryIDs.count == 8, "\(name): \(sent.deliveryIDs)")
                var logged: [Int] = []
                for emailID in [first, second] {
                    let mail = try #require(try await store.mail(account: "acme", id: try await mailer.mailID(account: "acme", emailID)))
                    #expect(mail.header.messageID == sent.messageID, "\(name)")
                    logged += mail.deliveries.map(\.id)
                }
                #expect(Set(logged) == Set(sent.deliveryIDs), "\(name): send \(n)")
                #expect(seen.isDisjoint(with: sent.deliveryIDs), "\(name): a delivery answered for two sends")
                seen.formUnion(sent.deliveryIDs)
            }
            #expect(try await store.mails(account: "acme", MailQuery(limit: 500)).count == 2 * count, "\(name)")
        }
    }

    /// A mail's deliveries to one webhook form a chain in the log, so that a restart sends
    /// what was not attempted yet in order.
    @Test func pendingChainsSurviveInTheLog() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/chain.sqlite"
        do {
            let store = try SQLiteStore(path: path)
            _ = try store.account("local").add(try WebhookDraft.validated(url: "http://127.0.0.1:9/h", apiUser: nil, events: nil))
            // A dispatcher that never runs: the deliveries stay pending, as after a kill.
            let plan = try Self.plan(store)
            guard case .sent(let chains) = try await store.recordSend(plan, repeatsSince: 0) else { Issue.record("not sent"); return }
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
