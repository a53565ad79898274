import Foundation
import WebhookCore
@testable import WebhookPostgres
import WebhookStore
import WhsTestSupport
import XCTest

/// The claim as the function `whs_claim` (schema step 8, docs/PERFORMANCE.md "PostgreSQL
/// fan-out (issue 21, sixth session)"): its plan is made once per connection, and made while
/// the queue was empty it still reads the queue by its index up to the limit once the queue
/// holds thousands of rows, instead of reading the whole queue and sorting it.
final class PostgresClaimPlanTests: XCTestCase {
    override func setUp() async throws {
        try XCTSkipUnless(TestPostgres.available, "no PostgreSQL server (scripts/postgres)")
    }

    func testAClaimPlannedWhileTheTablesWereEmptyReadsOnlyTheIndexesItNeeds() async throws {
        let directory = try TemporaryDirectory()
        let location = try await TestPostgres.freshDatabase()
        _ = try await PostgresStore.open(location, in: directory, node: "n")
        let migrated = try await TestPostgres.psql(location, "SELECT max(version) FROM whs_migrations")
        XCTAssertEqual(migrated, "\(PostgresSchema.migrations.count)")
        // One session and transaction (psql sends the statements as one query), as a node on
        // a fresh database: it polls while the tables are empty and analyzed so (a claim on a
        // queue of no pages returns before its plan is made), then the first delivery comes,
        // not yet due, and the claim's plan is made and kept for the later calls. Then 40,000
        // deliveries, every second one chained to the one before it.
        let answer = try await TestPostgres.psql(location, """
            ANALYZE delivery_queue;
            ANALYZE deliveries;
            SELECT count(*) FROM whs_claim('n', 10, 30);
            INSERT INTO deliveries(id, account, webhook_id, url, event, message_id, payload, state, next_attempt, created)
                VALUES (100000, 'acme', 1, 'http://127.0.0.1:9/', 1, 'm', '\\x7b7d', 'pending', 1e10, 1);
            INSERT INTO delivery_queue(id, next_attempt) VALUES (100000, 1e10);
            SELECT count(*) FROM whs_claim('n', 10, 30);
            INSERT INTO deliveries(id, account, webhook_id, url, event, message_id, payload, state, next_attempt, created)
                SELECT g, 'acme', 1, 'http://127.0.0.1:9/', 1, 'm', '\\x7b7d', 'pending', g, g FROM generate_series(1, 40000) AS g;
            INSERT INTO delivery_queue(id, next_attempt, after_id)
                SELECT g, g, CASE WHEN g % 2 = 0 THEN g - 1 END FROM generate_series(1, 40000) AS g;
            EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM whs_claim('n', 3, 30);
            """)
        let size = try await TestPostgres.psql(location, "SELECT pg_relation_size('delivery_queue') / 8192")
        let pages = try XCTUnwrap(Int(size))
        XCTAssertGreaterThan(pages, 200, "the queue spans many pages")
        // The function scan's buffers include its statement's: pages found in the cache and read.
        let line = try XCTUnwrap(answer.split(separator: "\n").first { $0.contains("Buffers:") }, answer)
        let read = line.matches(of: /(?:hit|read)=(\d+)/).compactMap { Int($0.1) }.reduce(0, +)
        XCTAssertGreaterThan(read, 0, answer)
        XCTAssertLessThan(read, pages / 4, "a claim of three reads a few pages of the indexes, not the tables:\n\(answer)")
        // The first three due whose chain allows them: 2 and 4 wait for 1 and 3.
        let leased = try await TestPostgres.psql(location, "SELECT string_agg(id::text, ',' ORDER BY id) FROM delivery_queue WHERE lease_node = 'n'")
        XCTAssertEqual(leased, "1,3,5")
    }

    /// The function's settings (scans, sort and joins off) hold only while it runs: the
    /// connection that called it plans its other statements as before.
    func testTheClaimsSettingsDoNotOutliveIt() async throws {
        let directory = try TemporaryDirectory()
        let location = try await TestPostgres.freshDatabase()
        _ = try await PostgresStore.open(location, in: directory, node: "n")
        let settings = try await TestPostgres.psql(location, """
            SELECT count(*) FROM whs_claim('n', 10, 30);
            SELECT current_setting('enable_seqscan') || ',' || current_setting('enable_sort') || ',' || current_setting('plan_cache_mode');
            """)
        XCTAssertEqual(settings.split(separator: "\n").last, "on,on,auto")
    }
}
