import Glibc
import Testing
@testable import WebhookCore
@testable import WebhookStore
import WhsTestSupport

/// What the SQLite store promises beyond the conformance rules: WAL, a private file, a
/// versioned schema, and queries that stay inside one account's index.
@Suite struct SQLiteStoreTests {
    @Test func opensInWALModeWithAPrivateFile() throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.path + "/s.sqlite")
        #expect(try store.connection.integer("SELECT journal_mode = 'wal' FROM pragma_journal_mode") == 1)
        #expect(try store.connection.integer("PRAGMA user_version") == Schema.migrations.count)
        var info = stat()
        stat(directory.path + "/s.sqlite", &info)
        #expect(info.st_mode & 0o777 == 0o600)
    }

    @Test func idsAreNotReusedAcrossReopening() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/s.sqlite"
        var highest = 0
        do {
            let store = try SQLiteStore(path: path).account()
            highest = try store.add(WebhookDraft.validated(url: "https://a.example/2", apiUser: nil, events: nil)).id
            #expect(try store.delete(id: highest) == 1)
        }
        let reopened = try SQLiteStore(path: path).account()
        #expect(try reopened.add(WebhookDraft.validated(url: "https://a.example/3", apiUser: nil, events: nil)).id == highest + 1)
    }

    @Test func refusesASchemaFromTheFuture() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/s.sqlite"
        do {
            let store = try SQLiteStore(path: path)
            try store.connection.execute("PRAGMA user_version = 99")
        }
        #expect(throws: WebhookError.storage("store schema version 99 is newer than this whs knows (\(Schema.migrations.count))")) {
            _ = try SQLiteStore(path: path)
        }
    }

    @Test func reportsAnUnopenableFile() {
        #expect(throws: WebhookError.self) { _ = try SQLiteStore(path: "/nonexistent-dir/x/s.sqlite") }
    }

    /// Every query names the account (and API_USER) in an index, so its cost does not grow with
    /// other accounts' webhooks.
    @Test(arguments: [
        ("SELECT id, url, events, api_user FROM webhooks WHERE account = 'a' ORDER BY id LIMIT 10 OFFSET 0", "webhooks_by_account"),
        ("SELECT id, url, events, api_user FROM webhooks WHERE account = 'a' AND api_user = 'u' ORDER BY id LIMIT 10 OFFSET 0", "webhooks_by_api_user"),
        ("SELECT count(*) FROM webhooks WHERE account = 'a'", "webhooks_by_account"),
        ("SELECT count(*) FROM webhooks WHERE account = 'a' AND api_user = 'u'", "webhooks_by_"),
    ])
    func queriesUseAnIndex(_ sql: String, _ index: String) throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.path + "/s.sqlite")
        let plan = try store.connection.prepare("EXPLAIN QUERY PLAN " + sql)
        var details: [String] = []
        while try plan.step() { details.append(plan.text(3)) }
        #expect(details.contains { $0.contains("USING") && $0.contains(index) }, "\(details)")
        #expect(!details.contains { $0.contains("TEMP B-TREE") }, "\(details)")
    }
}
