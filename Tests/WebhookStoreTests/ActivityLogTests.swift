import Glibc
import Foundation
import Testing
import WebhookCore
import WebhookPostgres
@testable import WebhookStore
import WhsSupport
import WhsTestSupport

/// The activity log that follows read (`GET /v1/stream`, `follow=true`), held against every
/// store: a row for each mail, engagement and attempt, in the order recorded, each account's
/// own, read in pages that resume without gaps or repeats.
@Suite(.serialized) struct ActivityLogTests {
    typealias Kind = DeliveryLogTests.Kind

    struct Fixture {
        let store: any DeliveryStore & MailStore & ActivityLog
        let account: (String) -> WebhookService
        let directory: TemporaryDirectory
        var location: PostgresLocation?

        init(_ kind: Kind) async throws {
            directory = try TemporaryDirectory()
            switch kind {
            case .memory:
                let memory = MemoryStore()
                (store, account) = (memory, { memory.account($0) })
            case .sqlite:
                let sqlite = try SQLiteStore(path: directory.path + "/s.sqlite")
                (store, account) = (sqlite, { sqlite.account($0) })
            case .postgres:
                let database = try await TestPostgres.freshDatabase()
                location = database
                let shared = try PostgresShellStore.open(database, seal: try AppKeySeal.fromKeyFile(directory.path + "/seal.key"), node: "log")
                (store, account) = (shared, { shared.account($0) })
            }
        }

        func hook(_ owner: String, _ url: String) throws -> Webhook {
            try account(owner).add(try WebhookDraft.validated(url: url, apiUser: "", events: [.name("deliver"), .name("open")]))
        }

        /// A send of one mail per address, with no pushes; the mails' ids.
        func send(_ owner: String, to addresses: [String], at time: Double) throws -> [Int] {
            let messageID = "m-\(owner)-\(time)"
            let mails = addresses.enumerated().map { index, address in
                PlannedMail(header: MailHeader(messageID: messageID, emailID: "\(messageID)\(index)$\(address)", taskID: 1, apiUser: "",
                                               from: "s@example.com", to: address, address: address, subject: "Hi \(address)",
                                               customArgs: .object([]), labelID: nil, labelName: nil, template: nil),
                            html: "<p>x</p>", text: "", events: [
                                PlannedEvent(event: EventType.named("deliver")!, time: time, detail: .object([]), payload: [], webhooks: []),
                            ])
            }
            _ = try store.recordSend(PlannedSend(account: owner, apiUser: "", requestID: nil, answer: .object([]), mails: mails, created: time),
                                     repeatsSince: 0)
            return try store.mails(account: owner, MailQuery(messageID: messageID)).map(\.id)
        }

        /// The account's rows after `position`. On PostgreSQL a row shows once every write
        /// transaction older than it ended, anywhere on the server (other tests run at the same
        /// time): read again for a while until `expecting` are there.
        func all(_ owner: String, after position: ActivityPosition = .origin, expecting: Int = 0) async throws -> [ActivityEntry] {
            let deadline = Date().addingTimeInterval(5)
            while true {
                let entries = try store.activity(account: owner, after: position, limit: 1000).entries
                if entries.count >= expecting || Date() > deadline { return entries }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    static let deliver = EventType.named("deliver")!
    static let open = EventType.named("open")!

    @Test(arguments: Kind.available)
    func mailsEngagementAndAttemptsInTheOrderRecordedEachAccountItsOwn(_ kind: Kind) async throws {
        let f = try await Fixture(kind)
        let start = try f.store.activityEnd()
        let hook = try f.hook("acme", "https://a.example/1")
        let mails = try f.send("acme", to: ["ann@example.com", "bob@example.com"], at: 100)
        _ = try f.send("other", to: ["olga@example.com"], at: 100)
        let made = try f.store.insertDeliveries(account: "acme", webhooks: [hook], event: Self.deliver, messageID: "m1", payload: [1], at: 101)
        try f.store.recordAttempt(deliveryID: made[0].id, DeliveryAttempt(number: 1, time: 101, status: 500, latencyMilliseconds: 2, error: "HTTP 500"),
                                  state: .pending, nextAttempt: 106)
        _ = try f.store.recordEvent(account: "acme", mailID: mails[0],
                                    PlannedEvent(event: Self.open, time: 102, detail: .object([]), payload: [], webhooks: []))
        try f.store.recordAttempt(deliveryID: made[0].id, DeliveryAttempt(number: 2, time: 106, status: 200, latencyMilliseconds: 1, error: nil),
                                  state: .succeeded, nextAttempt: nil)

        let entries = try await f.all("acme", after: start, expecting: 5)
        #expect(entries.map(\.kind) == [.mail, .mail, .attempt, .engagement, .attempt])
        #expect(zip(entries, entries.dropFirst()).allSatisfy { $0.position < $1.position }, "positions grow")
        #expect(entries.allSatisfy { $0.position > start })
        guard case .mail(let first) = entries[0].item, case .engagement(let engaged, let event) = entries[3].item,
              case .attempt(_, let retried, let latestThen) = entries[2].item, case .attempt(let delivery, let last, let latest) = entries[4].item else {
            Issue.record("unexpected items: \(entries.map(\.kind))")
            return
        }
        #expect(first.id == mails[0] && first.header.address == "ann@example.com")
        #expect(engaged.id == mails[0] && event.event == Self.open && event.time == 102)
        #expect(retried.number == 1 && !latestThen && last.number == 2 && latest && delivery.state == .succeeded)
        // The first attempt's row says what it left the delivery in: pending, then a retry.
        #expect(entries[2].json["state"] == .string("pending") && entries[2].json["kind"] == .string("attempt"))
        #expect(entries[4].json["state"] == .string("succeeded") && entries[4].json["attempt"]?["status"] == .int(200))
        #expect(entries[3].json["event"] == .string("open") && entries[3].json["mail_id"] == .int(mails[0]))

        let others = try await f.all("other", after: start, expecting: 1)
        #expect(others.map(\.kind) == [.mail], "another account's rows are its own")
        #expect(try await f.all("nobody", after: start).isEmpty)
    }

    @Test(arguments: Kind.available)
    func pagesResumeWithoutGapsOrRepeats(_ kind: Kind) async throws {
        let f = try await Fixture(kind)
        let start = try f.store.activityEnd()
        let hook = try f.hook("acme", "https://a.example/1")
        let made = try f.store.insertDeliveries(account: "acme", webhooks: [hook], event: Self.deliver, messageID: "m1", payload: [1], at: 1)
            + f.store.insertDeliveries(account: "acme", webhooks: [hook], event: Self.deliver, messageID: "m2", payload: [1], at: 1)
        for number in 1...5 {
            try f.store.recordAttempts(made.map { AttemptRecord(deliveryID: $0.id, attempt: DeliveryAttempt(number: number, time: Double(number), status: 500,
                                                                                                            latencyMilliseconds: 1, error: "HTTP 500"),
                                                                 state: .pending, nextAttempt: 10) })
            _ = try f.send("other", to: ["x\(number)@example.com"], at: Double(number))
        }
        let whole = try await f.all("acme", after: start, expecting: 10)
        #expect(whole.count == 10)
        var read: [ActivityEntry] = []
        var cursor = start
        var pages = 0
        while true {
            let page = try f.store.activity(account: "acme", after: cursor, limit: 3)
            read += page.entries
            cursor = page.end
            pages += 1
            if !page.full { break }
        }
        #expect(read.map(\.position) == whole.map(\.position))
        #expect(pages == 4)
        // Nothing after the end; what comes next is after it.
        let end = try f.store.activityEnd()
        #expect(try await f.all("acme", after: end).isEmpty)
        try f.store.recordAttempt(deliveryID: made[0].id, DeliveryAttempt(number: 6, time: 6, status: 200, latencyMilliseconds: 1, error: nil),
                                  state: .succeeded, nextAttempt: nil)
        #expect(try await f.all("acme", after: end, expecting: 1).count == 1)
        #expect(try await f.all("acme", after: cursor, expecting: 1).count == 1)
    }

    @Test(arguments: Kind.available)
    func positionsReadBackFromTheirText(_ kind: Kind) async throws {
        let f = try await Fixture(kind)
        _ = try f.send("acme", to: ["ann@example.com"], at: 1)
        let position = try #require(try await f.all("acme", expecting: 1).first?.position)
        #expect(ActivityPosition(parsing: position.description) == position)
        #expect(ActivityPosition(parsing: "0.5") == ActivityPosition(id: 5))
        for bad in ["", "x", "1.2.3", "-1", "1.", ".1", String(repeating: "9", count: 19), "1e3", " 1", "+1"] {
            #expect(ActivityPosition(parsing: bad) == nil, "\(bad) is no position")
        }
    }

    /// A reset and retention take their rows of the activity log with them: the table does
    /// not grow with rows whose mails and deliveries are gone.
    @Test(arguments: Kind.available)
    func aResetAndRetentionTakeTheirRowsWithThem(_ kind: Kind) async throws {
        let f = try await Fixture(kind)
        let clearing = try #require(f.store as? any DataClearing)
        let hook = try f.hook("acme", "https://a.example/1")
        _ = try f.send("acme", to: ["ann@example.com", "bob@example.com"], at: 100)
        _ = try f.send("other", to: ["olga@example.com"], at: 100)
        let made = try f.store.insertDeliveries(account: "acme", webhooks: [hook], event: Self.deliver, messageID: "m1", payload: [1], at: 100)
        try f.store.recordAttempt(deliveryID: made[0].id, DeliveryAttempt(number: 1, time: 100, status: 200, latencyMilliseconds: 1, error: nil),
                                  state: .succeeded, nextAttempt: nil)
        func rows(_ account: String) async throws -> Int {
            switch kind {
            case .memory: (f.store as! MemoryStore).state.withLock { $0.activity.rows.filter { $0.account == account }.count }
            case .sqlite: try (f.store as! SQLiteStore).withLock { () throws(WebhookError) in
                try (f.store as! SQLiteStore).connection.integer("SELECT count(*) FROM activity WHERE account = '\(account)'")
            }
            case .postgres: Int(try await TestPostgres.psql(f.location!, "SELECT count(*) FROM activity WHERE account = '\(account)'"))!
            }
        }
        #expect(try await rows("acme") == 3)
        #expect(try await rows("other") == 1)
        _ = try clearing.clear(account: "acme", [.mails], before: nil)
        #expect(try await rows("acme") == 1, "the mails' rows went with them, the attempt's stayed")
        #expect(try await f.all("acme", expecting: 1).map(\.kind) == [.attempt])
        _ = try clearing.clear(account: "acme", [.deliveries], before: nil)
        #expect(try await rows("acme") == 0)
        #expect(try await rows("other") == 1, "another account's rows stay")
        _ = try f.send("acme", to: ["cy@example.com"], at: 5000)
        _ = try clearing.prune(RetentionPolicy(maxAge: 3600), now: 4000, limit: 100)
        #expect(try await rows("other") == 0, "rows older than the retention go")
        #expect(try await rows("acme") == 1, "recent rows stay")
    }

    /// PostgreSQL hands out ids before transactions commit: a row of an older transaction still
    /// open must not be passed over by a reader that saw a newer one. The reader waits for it.
    @Test(.enabled(if: TestPostgres.available))
    func aTransactionStillOpenHoldsTheReaderBackInsteadOfLeavingAGap() async throws {
        let f = try await Fixture(.postgres)
        let location = try #require(f.location)
        let start = try f.store.activityEnd()
        // An open transaction writes a row and stays open for two seconds.
        let slow = Process()
        slow.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        slow.arguments = ["-h", location.host, "-p", String(location.port), "-U", location.user, "-d", location.database, "-v", "ON_ERROR_STOP=1", "-c",
                          "BEGIN; INSERT INTO activity(account, kind, ref, number, time) VALUES ('acme', 1, 999, 0, 1); SELECT pg_sleep(2); COMMIT;"]
        slow.environment = ["PGPASSWORD": location.password ?? "", "PATH": "/usr/bin:/bin"]
        slow.standardOutput = FileHandle.nullDevice
        try slow.run()
        try await Task.sleep(for: .milliseconds(500))
        // A newer transaction commits a mail meanwhile: it is not read yet.
        _ = try f.send("acme", to: ["ann@example.com"], at: 1)
        #expect(try f.store.activity(account: "acme", after: start, limit: 100).entries.isEmpty)
        await exited(slow)
        #expect(slow.terminationStatus == 0)
        // Once the old one committed, both are there, the old one's row first (it names no
        // mail of the store, so it is passed over, but the position moves past it).
        let entries = try await f.all("acme", after: start, expecting: 1)
        #expect(entries.map(\.kind) == [.mail])
        let rows = try await TestPostgres.psql(location, "SELECT count(*) FROM activity WHERE account = 'acme'")
        #expect(rows == "2")
    }
}

/// Deliveries by state, as `GET /metrics` reads them.
@Suite struct DeliveryCensusTests {
    @Test(arguments: DeliveryLogTests.Kind.available)
    func countsEveryStateOfTheWholeLog(_ kind: DeliveryLogTests.Kind) async throws {
        let f = try await ActivityLogTests.Fixture(kind)
        let census: any DeliveryCensus = try #require(f.store as? any DeliveryCensus ?? (f.store as? PostgresShellStore)?.store)
        let a = try f.hook("acme", "https://a.example/1")
        let b = try f.hook("other", "https://o.example/1")
        let made = try f.store.insertDeliveries(account: "acme", webhooks: [a], event: ActivityLogTests.deliver, messageID: "m", payload: [1], at: 1)
            + f.store.insertDeliveries(account: "other", webhooks: [b], event: ActivityLogTests.deliver, messageID: "m", payload: [1], at: 1)
            + f.store.insertDeliveries(account: "other", webhooks: [b], event: ActivityLogTests.deliver, messageID: "n", payload: [1], at: 1)
        try f.store.recordAttempt(deliveryID: made[0].id, DeliveryAttempt(number: 1, time: 1, status: 200, latencyMilliseconds: 1, error: nil),
                                  state: .succeeded, nextAttempt: nil)
        try f.store.recordAttempt(deliveryID: made[1].id, DeliveryAttempt(number: 1, time: 1, status: 500, latencyMilliseconds: 1, error: "HTTP 500"),
                                  state: .failed, nextAttempt: nil)
        let counts = try await census.deliveryCounts(leasedBy: "n1")
        #expect(counts.byState[.succeeded] == 1 && counts.byState[.failed] == 1 && counts.byState[.pending] == 1)
        #expect(Set(counts.byState.keys) == Set(DeliveryState.allCases), "every state, with 0 for the ones not there")
        #expect(counts.leased == (kind == .postgres ? 0 : nil))
    }
}
