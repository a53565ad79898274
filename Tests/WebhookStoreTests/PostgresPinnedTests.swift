import Foundation
import WebhookCore
import WebhookPostgres
import WebhookStore
import WhsTestSupport
import XCTest

/// The hot path's pinned connections and their prepared statements, on a real PostgreSQL:
/// connections that break or whose statements go stale are replaced without failing a read,
/// and a statement that does not answer ends within the call deadline.
final class PostgresPinnedTests: XCTestCase {
    struct Fixture {
        let directory: TemporaryDirectory
        let location: PostgresLocation
        let store: PostgresStore
        let account: PostgresAccount

        init() async throws {
            directory = try TemporaryDirectory()
            location = try await TestPostgres.freshDatabase()
            store = try await PostgresStore.open(location, in: directory, node: "pinned")
            account = store.account("acme")
            for i in 0..<3 {
                _ = try await account.add(try WebhookDraft.validated(url: "https://h\(i).example/", apiUser: "", events: [.name("deliver")]))
            }
        }

        /// Why a list failed; nil when it answered.
        func listFailure() async -> WebhookError? {
            do {
                _ = try await account.list(WebhookQuery(limit: 10))
                return nil
            } catch {
                return error
            }
        }

        /// Enough lists to go through every pinned connection, each checked.
        func listEverywhere(_ what: String) async throws {
            for call in 0..<24 {
                let page = try await account.list(WebhookQuery(limit: 10))
                XCTAssertEqual(page.total, 3, "\(what): call \(call)")
                XCTAssertEqual(page.webhooks.map(\.url), ["https://h0.example/", "https://h1.example/", "https://h2.example/"], "\(what): call \(call)")
            }
        }
    }

    override func setUp() async throws {
        try XCTSkipUnless(TestPostgres.available, "no PostgreSQL server (scripts/postgres)")
    }

    /// Every backend of the database killed under the store: the statements are prepared
    /// again on the new connections, and no read fails.
    func testConnectionsReplacedAfterTheirBackendsDied() async throws {
        let fixture = try await Fixture()
        try await fixture.listEverywhere("before")
        try await TestPostgres.psql(fixture.location, """
            SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
            """)
        try await fixture.listEverywhere("after the backends were killed")
        let webhook = try await fixture.account.get(id: 1)
        XCTAssertEqual(webhook.url, "https://h0.example/")
    }

    /// A column's type changed between two calls ("cached plan must not change result type"
    /// on a connection that prepared the page before): the page is prepared again.
    func testResultTypeChangedBetweenCalls() async throws {
        let fixture = try await Fixture()
        try await fixture.listEverywhere("before")
        try await TestPostgres.psql(fixture.location, "ALTER TABLE webhooks ALTER COLUMN url TYPE varchar(2000)")
        try await fixture.listEverywhere("after url became varchar")
        try await TestPostgres.psql(fixture.location, "ALTER TABLE webhooks ALTER COLUMN url TYPE text")
        try await fixture.listEverywhere("after url became text again")
    }

    /// A statement whose preparation failed (its table was away) is not remembered as failed:
    /// once the table is back, every connection prepares it anew.
    func testFailedPreparationIsNotKept() async throws {
        let fixture = try await Fixture()
        try await TestPostgres.psql(fixture.location, "ALTER TABLE webhooks RENAME TO webhooks_away")
        for _ in 0..<12 {
            let failure = await fixture.listFailure()
            XCTAssertTrue("\(String(describing: failure))".contains("webhooks"), "\(String(describing: failure))")
        }
        try await TestPostgres.psql(fixture.location, "ALTER TABLE webhooks_away RENAME TO webhooks")
        try await fixture.listEverywhere("after the table came back")
    }

    /// A statement that waits on a lock past the deadline fails as unreachable within it, and
    /// the next calls answer once the lock is gone.
    func testStatementThatDoesNotAnswerEndsAtTheDeadline() async throws {
        let fixture = try await Fixture()
        try await fixture.listEverywhere("before")
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        holder.arguments = ["-h", fixture.location.host, "-p", String(fixture.location.port), "-U", fixture.location.user,
                            "-d", fixture.location.database, "-c", "BEGIN; LOCK TABLE webhooks IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(8); COMMIT;"]
        holder.environment = ProcessInfo.processInfo.environment.merging(["PGPASSWORD": fixture.location.password ?? ""]) { $1 }
        holder.standardOutput = FileHandle.nullDevice
        try holder.run()
        defer { holder.terminate() }
        try await Task.sleep(for: .seconds(1))
        let started = ContinuousClock.now
        let failure = await fixture.listFailure()
        XCTAssertEqual(failure?.httpStatus, 503, "\(String(describing: failure))")
        XCTAssertTrue("\(String(describing: failure))".contains("did not answer within 5 s"), "\(String(describing: failure))")
        let waited = ContinuousClock.now - started
        XCTAssertGreaterThan(waited, .seconds(4.5))
        XCTAssertLessThan(waited, .seconds(6.5))
        holder.waitUntilExit()
        try await fixture.listEverywhere("after the lock was released")
    }
}
