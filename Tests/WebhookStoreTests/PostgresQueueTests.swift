import Foundation
import WebhookCore
@testable import WebhookPostgres
import WebhookStore
import WhsTestSupport
import XCTest

/// The queue of pending deliveries (schema step 7, docs/PERFORMANCE.md "PostgreSQL fan-out"):
/// a store of step 6 with pending, leased and settled deliveries upgrades with every pending
/// delivery queued and its lease kept, and the queue holds exactly the pending deliveries
/// through claims, retries, settles, copies and resets.
final class PostgresQueueTests: XCTestCase {
    override func setUp() async throws {
        try XCTSkipUnless(TestPostgres.available, "no PostgreSQL server (scripts/postgres)")
    }

    /// The queue's rows as "id:due:lease_node", by id.
    func queue(_ location: PostgresLocation) async throws -> [String] {
        try await TestPostgres.psql(location, "SELECT id || ':' || next_attempt || ':' || coalesce(lease_node, '-') FROM delivery_queue ORDER BY id")
            .split(separator: "\n").map(String.init)
    }

    /// Asserts the queue's rows are `expected` ("id:due:lease_node", by id).
    func assertQueue(_ location: PostgresLocation, _ expected: [String], _ message: String = "", line: UInt = #line) async throws {
        let rows = try await queue(location)
        XCTAssertEqual(rows, expected, message, line: line)
    }

    /// Asserts one answer of psql.
    func assertAnswer(_ location: PostgresLocation, _ sql: String, _ expected: String, line: UInt = #line) async throws {
        let answer = try await TestPostgres.psql(location, sql)
        XCTAssertEqual(answer, expected, line: line)
    }

    func testAStoreOfStepSixUpgradesWithItsPendingDeliveriesQueuedAndTheirLeases() async throws {
        let directory = try TemporaryDirectory()
        let location = try await TestPostgres.freshDatabase()
        // The schema as a node of step 6 left it.
        try await TestPostgres.psql(location, "CREATE TABLE whs_migrations (version int PRIMARY KEY, node text NOT NULL, applied double precision NOT NULL)")
        for step in 0..<6 {
            try await TestPostgres.psql(location, PostgresSchema.migrations[step])
            try await TestPostgres.psql(location, "INSERT INTO whs_migrations VALUES (\(step + 1), 'old', 0)")
        }
        let far = Date().timeIntervalSince1970 + 3600
        try await TestPostgres.psql(location, """
            INSERT INTO deliveries(id, account, webhook_id, url, event, message_id, payload, state, attempts, next_attempt, created, after_id, lease_node, lease_until)
            VALUES (1, 'acme', 1, 'http://127.0.0.1:9/a', 1, 'm1', '\\x7b7d', 'succeeded', 1, NULL, 10, NULL, NULL, NULL),
                   (2, 'acme', 1, 'http://127.0.0.1:9/a', 1, 'm2', '\\x7b7d', 'pending', 0, 20, 20, NULL, NULL, NULL),
                   (3, 'acme', 1, 'http://127.0.0.1:9/a', 1, 'm3', '\\x7b7d', 'pending', 1, 30, 30, NULL, 'old', \(far)),
                   (4, 'acme', 1, 'http://127.0.0.1:9/a', 1, 'm2', '\\x7b7d', 'pending', 0, 40, 40, 2, NULL, NULL),
                   (5, 'acme', 1, 'http://127.0.0.1:9/a', 1, 'm5', '\\x7b7d', 'cancelled', 0, NULL, 50, NULL, NULL, NULL);
            SELECT setval('deliveries_id_seq', 5);
            """)
        let store = try await PostgresStore.open(location, in: directory, node: "new")
        try await assertAnswer(location, "SELECT max(version) FROM whs_migrations", "\(PostgresSchema.migrations.count)")
        try await assertQueue(location, ["2:20:-", "3:30:old", "4:40:-"], "every pending delivery queued, the lease kept, nothing settled")
        try await assertAnswer(location, "SELECT count(*) FROM pg_indexes WHERE indexname = 'deliveries_pending'", "0")

        // Due now: 2 (4 waits for it, 3 is leased for another hour).
        let first = try await store.claim(node: "new", limit: 10, lease: 30)
        XCTAssertEqual(first.map(\.id), [2])
        let afterClaim = try await queue(location)
        XCTAssertEqual(afterClaim.first, "2:20:new")
        let twice = try await store.claim(node: "other", limit: 10, lease: 30)
        XCTAssertEqual(twice.map(\.id), [], "a leased delivery is not claimed twice")
        // A failed attempt with a retry keeps it queued, due later and no longer leased.
        try await store.recordAttempts([AttemptRecord(deliveryID: 2, attempt: DeliveryAttempt(number: 1, time: 60, status: 500, latencyMilliseconds: 1, error: nil),
                                                      state: .pending, nextAttempt: 70)])
        let afterRetry = try await queue(location)
        XCTAssertEqual(afterRetry.first, "2:70:-")
        // Attempted once, 2 lets the next of its chain, 4, fall due; both are claimed.
        let second = try await store.claim(node: "new", limit: 10, lease: 30)
        XCTAssertEqual(second.map(\.id), [2, 4])
        try await store.recordAttempts([
            AttemptRecord(deliveryID: 2, attempt: DeliveryAttempt(number: 2, time: 80, status: 200, latencyMilliseconds: 1, error: nil), state: .succeeded, nextAttempt: nil),
            AttemptRecord(deliveryID: 4, attempt: DeliveryAttempt(number: 1, time: 80, status: 200, latencyMilliseconds: 1, error: nil), state: .succeeded, nextAttempt: nil),
        ])
        try await assertQueue(location, ["3:30:old"], "settled deliveries leave the queue")
        let due = try await store.nextDue()
        XCTAssertEqual(try XCTUnwrap(due), far, accuracy: 5, "the next due is the old lease's end")
        let counts = try await store.deliveryCounts(leasedBy: "old")
        XCTAssertEqual(counts.leased, 1)
        XCTAssertEqual(counts.byState[.pending], 1)
        XCTAssertEqual(counts.byState[.succeeded], 3)

        // A copy is queued; a reset cancels what is pending and empties the queue.
        let copy = try await store.copyDelivery(account: "acme", id: 1, at: 90)
        try await assertQueue(location, ["3:30:old", "\(copy.id):90:-"])
        let pending = try await store.pendingDeliveries()
        XCTAssertEqual(pending.map(\.id), [3, copy.id])
        let cleared = try await store.clear(account: "acme", [.deliveries], before: nil)
        XCTAssertEqual(cleared.cancelled, 2)
        try await assertQueue(location, [])
        let none = try await store.claim(node: "new", limit: 10, lease: 30)
        XCTAssertEqual(none.map(\.id), [])
        let nothingDue = try await store.nextDue()
        XCTAssertNil(nothingDue)
    }

    /// A trigger's deliveries are queued in its statement, and settling them is a HOT update of
    /// `deliveries` (no index holds a column the settle changes).
    func testATriggersDeliveriesAreQueuedAndTheirSettlesAreHOT() async throws {
        let directory = try TemporaryDirectory()
        let location = try await TestPostgres.freshDatabase()
        let store = try await PostgresStore.open(location, in: directory, node: "n")
        let account = store.account("acme")
        var webhooks: [Webhook] = []
        for i in 0..<20 {
            webhooks.append(try await account.add(try WebhookDraft.validated(url: "https://h\(i).example/", apiUser: "", events: [.name("deliver")])))
        }
        let made = try await store.insertDeliveries(account: "acme", webhooks: webhooks, event: EventType.all[0], messageID: "m",
                                                    payload: Array("{}".utf8), at: Date().timeIntervalSince1970 - 1)
        let queued = try await queue(location)
        XCTAssertEqual(queued.count, 20)
        let claimed = try await store.claim(node: "n", limit: 100, lease: 30)
        XCTAssertEqual(claimed.map(\.id), made.map(\.id))
        XCTAssertEqual(claimed.first?.outgoing.payload, Array("{}".utf8))
        try await store.recordAttempts(claimed.map {
            AttemptRecord(deliveryID: $0.id, attempt: DeliveryAttempt(number: 1, time: 1, status: 200, latencyMilliseconds: 1, error: nil), state: .succeeded, nextAttempt: nil)
        })
        try await assertQueue(location, [])
        // A backend reports its statistics within ten seconds of going idle (PostgreSQL 15).
        var hot = ""
        for _ in 0..<150 {
            hot = try await TestPostgres.psql(location, "SELECT n_tup_upd || '/' || n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'deliveries'")
            if hot.hasPrefix("20/") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTAssertEqual(hot, "20/20", "every settle a HOT update")
    }

    /// A trigger's first deliveries leased to its node by the insert itself: no other node
    /// claims them, and the rest are due for anyone.
    func testATriggersFirstDeliveriesAreLeasedToItsNodeAsTheyAreWritten() async throws {
        let directory = try TemporaryDirectory()
        let location = try await TestPostgres.freshDatabase()
        let store = try await PostgresStore.open(location, in: directory, node: "a")
        let account = store.account("acme")
        var webhooks: [Webhook] = []
        for i in 0..<12 {
            webhooks.append(try await account.add(try WebhookDraft.validated(url: "https://h\(i).example/", apiUser: "", events: [.name("deliver")])))
        }
        let made = try await store.insertDeliveries(account: "acme", webhooks: webhooks, event: EventType.all[0], messageID: "m",
                                                    payload: Array("{}".utf8), at: Date().timeIntervalSince1970 - 1, leasing: 5, to: "a", lease: 30)
        let inserted = try XCTUnwrap(made)
        XCTAssertEqual(inserted.leased, 5)
        XCTAssertEqual(inserted.deliveries.map(\.id), inserted.deliveries.map(\.id).sorted())
        let leased = inserted.deliveries.prefix(5).map(\.id)
        try await assertAnswer(location, "SELECT string_agg(id::text, ',' ORDER BY id) FROM delivery_queue WHERE lease_node = 'a'",
                              leased.map(String.init).joined(separator: ","))
        let other = try await store.claim(node: "b", limit: 100, lease: 30)
        XCTAssertEqual(other.map(\.id), inserted.deliveries.dropFirst(5).map(\.id), "the other node takes only the rest")
        let all = try await store.insertDeliveries(account: "acme", webhooks: webhooks, event: EventType.all[0], messageID: "m2",
                                                   payload: Array("{}".utf8), at: Date().timeIntervalSince1970 - 1, leasing: 100, to: "a", lease: 30)
        XCTAssertEqual(all?.leased, 12, "no more leased than written")
    }
}
