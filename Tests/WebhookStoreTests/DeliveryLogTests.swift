import Glibc
import Testing
import WebhookCore
import WebhookPostgres
@testable import WebhookStore
import WhsSupport
import WhsTestSupport

/// The delivery log's rules, held against both stores: what is logged, what a query returns,
/// what is pending, and that accounts do not see each other's deliveries.
@Suite struct DeliveryLogTests {
    enum Kind: String, CaseIterable {
        case memory, sqlite, postgres

        /// PostgreSQL when the test run has a server (scripts/test starts one).
        static var available: [Kind] { TestPostgres.available ? allCases : [.memory, .sqlite] }
    }

    /// A store of the kind, and how to add webhooks to its accounts. The directory lives as
    /// long as the fixture.
    struct Fixture {
        let store: any DeliveryStore
        let account: (String) -> WebhookService
        let directory: TemporaryDirectory

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
                let shared = try PostgresShellStore.open(try await TestPostgres.freshDatabase(),
                                                         seal: try AppKeySeal.fromKeyFile(directory.path + "/seal.key"), node: "log")
                (store, account) = (shared, { shared.account($0) })
            }
        }

        func add(_ owner: String, _ url: String, events: String, apiUser: String = "") throws -> Webhook {
            let inputs = events.split(separator: ",").map { EventInput.name(String($0)) }
            return try account(owner).add(try WebhookDraft.validated(url: url, apiUser: apiUser, events: inputs))
        }
    }

    static let deliver = EventType.named("deliver")!
    static let open = EventType.named("open")!

    @Test(arguments: Kind.available)
    func subscribersAreTheAccountsWebhooksWithTheEvent(_ kind: Kind) async throws {
        let fixture = try await Fixture(kind)
        let store = fixture.store
        let a = try fixture.add("acme", "https://a.example/1", events: "deliver,open")
        let b = try fixture.add("acme", "https://a.example/2", events: "deliver", apiUser: "bob")
        _ = try fixture.add("acme", "https://a.example/3", events: "open")
        _ = try fixture.add("other", "https://o.example/1", events: "deliver")
        #expect(try store.subscribers(account: "acme", event: DeliveryLogTests.deliver).map(\.id) == [a.id, b.id])
        #expect(try store.subscribers(account: "acme", event: EventType.named("click")!).isEmpty)
    }

    @Test(arguments: Kind.available)
    func attemptsAreLoggedAndQueried(_ kind: Kind) async throws {
        let fixture = try await Fixture(kind)
        let store = fixture.store
        let a = try fixture.add("acme", "https://a.example/1", events: "deliver")
        let b = try fixture.add("acme", "https://a.example/2", events: "deliver")
        let made = try store.insertDeliveries(account: "acme", webhooks: [a, b], event: DeliveryLogTests.deliver, messageID: "m1",
                                              payload: Array("{\"x\":1}".utf8), at: 100)
        #expect(made.map(\.state) == [.pending, .pending])
        #expect(made.map(\.webhookID) == [a.id, b.id])
        let first = made[0].id
        try store.recordAttempt(deliveryID: first, DeliveryAttempt(number: 1, time: 100, status: 500, latencyMilliseconds: 2.5, error: "HTTP 500"),
                                state: .pending, nextAttempt: 101)
        try store.recordAttempt(deliveryID: first, DeliveryAttempt(number: 2, time: 101, status: 200, latencyMilliseconds: 1.5, error: nil),
                                state: .succeeded, nextAttempt: nil)
        try store.recordAttempt(deliveryID: made[1].id, DeliveryAttempt(number: 1, time: 100, status: nil, latencyMilliseconds: 3000, error: "timed out after 3 s"),
                                state: .failed, nextAttempt: nil)

        let all = try store.deliveries(account: "acme", DeliveryQuery())
        #expect(all.map(\.id) == made.map(\.id))
        #expect(all[0].state == .succeeded)
        #expect(all[0].attempts.map(\.status) == [500, 200])
        #expect(all[0].attempts.map(\.error) == ["HTTP 500", nil])
        #expect(all[0].nextAttempt == nil)
        #expect(all[1].attempts == [DeliveryAttempt(number: 1, time: 100, status: nil, latencyMilliseconds: 3000, error: "timed out after 3 s")])
        #expect(try store.deliveries(account: "acme", DeliveryQuery(state: .failed)).map(\.id) == [made[1].id])
        #expect(try store.deliveries(account: "acme", DeliveryQuery(webhookID: a.id)).map(\.id) == [first])
        #expect(try store.deliveries(account: "acme", DeliveryQuery(messageID: "nope")).isEmpty)
        // The newest `limit`, oldest first.
        #expect(try store.deliveries(account: "acme", DeliveryQuery(limit: 1)).map(\.id) == [made[1].id])
        // Another account sees none of it, and cannot copy it.
        #expect(try store.deliveries(account: "other", DeliveryQuery()).isEmpty)
        #expect(throws: WebhookError.deliveryNotFound(id: first)) { try store.copyDelivery(account: "other", id: first, at: 200) }

        let outgoing = try #require(try store.outgoing(deliveryID: first))
        #expect(outgoing.account == "acme")
        #expect(outgoing.payload == Array("{\"x\":1}".utf8))
        #expect(outgoing.attemptsMade == 2)
    }

    @Test(arguments: Kind.available)
    func pendingAndCopies(_ kind: Kind) async throws {
        let fixture = try await Fixture(kind)
        let store = fixture.store
        let a = try fixture.add("acme", "https://a.example/1", events: "open")
        let made = try store.insertDeliveries(account: "acme", webhooks: [a], event: DeliveryLogTests.open, messageID: "m2", payload: [1, 2, 3], at: 50)
        #expect(try store.pendingDeliveries().map(\.id) == [made[0].id])
        try store.recordAttempt(deliveryID: made[0].id, DeliveryAttempt(number: 1, time: 50, status: 404, latencyMilliseconds: 1, error: "HTTP 404"),
                                state: .failed, nextAttempt: nil)
        #expect(try store.pendingDeliveries().isEmpty)
        let copy = try store.copyDelivery(account: "acme", id: made[0].id, at: 60)
        #expect(copy.id > made[0].id)
        #expect(copy.state == .pending && copy.attempts.isEmpty && copy.messageID == "m2" && copy.webhookID == a.id)
        #expect(try store.outgoing(deliveryID: copy.id)?.payload == [1, 2, 3])
        #expect(try store.pendingDeliveries().map(\.id) == [copy.id])
        #expect(throws: WebhookError.deliveryNotFound(id: 999)) { try store.copyDelivery(account: "acme", id: 999, at: 1) }
    }

    @Test(arguments: Kind.available)
    func appKeysAreStablePerAccountAndDiffer(_ kind: Kind) async throws {
        let fixture = try await Fixture(kind)
        let store = fixture.store
        let acme = try store.appKey(account: "acme")
        #expect(acme.count == 64 && Hex.decode(acme) != nil)
        #expect(try store.appKey(account: "acme") == acme)
        #expect(try store.appKey(account: "other") != acme)
    }

    @Test func sqliteKeepsAppKeysSealedAndThePendingAcrossReopening() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/s.sqlite"
        let key: String
        do {
            let store = try SQLiteStore(path: path)
            key = try store.appKey(account: "acme")
            let hook = try store.account("acme").add(try WebhookDraft.validated(url: "https://a.example/1", apiUser: nil, events: nil))
            _ = try store.insertDeliveries(account: "acme", webhooks: [hook], event: DeliveryLogTests.deliver, messageID: "m", payload: [7], at: 9)
            try store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        }
        // The key is nowhere in the store's bytes; the key file is private.
        let bytes = try FileIO.read(path)
        #expect(!bytes.contains(key))
        var info = stat()
        #expect(stat(path + ".key", &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        let reopened = try SQLiteStore(path: path)
        #expect(try reopened.appKey(account: "acme") == key)
        #expect(try reopened.pendingDeliveries().count == 1)
        // Without its key file the store says so instead of signing with a wrong key.
        unlink(path + ".key")
        let withoutKey = try SQLiteStore(path: path)
        #expect(throws: WebhookError.self) { try withoutKey.appKey(account: "acme") }
    }
}
