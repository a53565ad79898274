import Foundation
import WebhookCore
@testable import WebhookPostgres
import WebhookStore
import WhsTestSupport
import XCTest

/// List requests read together (`PageBatches`), on a real PostgreSQL: each request gets its
/// own page whatever it shares a statement with, and a request never gets an answer older than
/// itself, so a write on one node is seen by the next list on another.
final class PostgresPageBatchTests: XCTestCase {
    override func setUp() async throws {
        try XCTSkipUnless(TestPostgres.available, "no PostgreSQL server (scripts/postgres)")
    }

    func draft(_ url: String, _ apiUser: String) throws -> WebhookDraft {
        try WebhookDraft.validated(url: url, apiUser: apiUser, events: [.name("deliver")])
    }

    /// 120 concurrent lists over two accounts, with and without an API_USER, different
    /// windows and repeats: every one gets exactly the page and total it asked for, and they
    /// went out in fewer statements than requests.
    func testConcurrentListsEachGetTheirOwnPage() async throws {
        let directory = try TemporaryDirectory()
        let store = try await PostgresStore.open(try await TestPostgres.freshDatabase(), seal: try AppKeySeal.fromKeyFile(directory.path + "/seal.key"),
                                                 node: "batch")
        let acme = store.account("acme"), other = store.account("other")
        var expected: [String: [Webhook]] = ["acme": [], "other": []]
        for i in 0..<25 {
            let made = try await acme.add(try draft("https://a\(i).example/", i % 3 == 0 ? "bob" : ""))
            expected["acme"]!.append(made)
        }
        for i in 0..<4 { expected["other"]!.append(try await other.add(try draft("https://o\(i).example/", ""))) }

        struct Ask: Sendable { let account: String; let query: WebhookQuery }
        var asks: [Ask] = []
        for i in 0..<120 {
            let account = i % 5 == 4 ? "other" : "acme"
            let apiUser: String? = i % 4 == 1 ? "bob" : nil
            asks.append(Ask(account: account, query: try WebhookQuery.validated(apiUser: apiUser, offset: (i / 3) % 7, limit: [10, 3, 0, 100][i % 4])))
        }
        let before = store.pageBatches.statements.load(ordering: .relaxed)
        let answers = try await withThrowingTaskGroup(of: (Int, Page).self) { group in
            for (i, ask) in asks.enumerated() {
                group.addTask { (i, try await store.account(ask.account).list(ask.query)) }
            }
            var answers = [Int: Page]()
            for try await (i, page) in group { answers[i] = page }
            return answers
        }
        let statements = store.pageBatches.statements.load(ordering: .relaxed) - before
        for (i, ask) in asks.enumerated() {
            let all = expected[ask.account]!.filter { ask.query.apiUser == nil || $0.apiUser == ask.query.apiUser }
            let want = Array(all.dropFirst(ask.query.offset).prefix(ask.query.limit))
            let page = try XCTUnwrap(answers[i])
            XCTAssertEqual(page.total, all.count, "request \(i): \(ask.account) \(ask.query)")
            XCTAssertEqual(page.webhooks, want, "request \(i): \(ask.account) \(ask.query)")
        }
        XCTAssertLessThan(statements, asks.count, "120 concurrent lists were read together in fewer statements")
    }

    /// Node A adds while node B is listing without pause (so B always has a statement out):
    /// every list B starts after A's add returned counts the new webhook.
    func testAWriteOnOneNodeIsSeenByTheNextListsOnAnother() async throws {
        let directory = try TemporaryDirectory()
        let location = try await TestPostgres.freshDatabase()
        let seal = try AppKeySeal.fromKeyFile(directory.path + "/seal.key")
        let nodeA = try await PostgresStore.open(location, seal: seal, node: "a")
        let nodeB = try await PostgresStore.open(location, seal: seal, node: "b")
        let writer = nodeA.account("acme"), reader = nodeB.account("acme")
        let query = WebhookQuery(limit: 10)
        let busy = Task {
            while !Task.isCancelled {
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<8 { group.addTask { _ = try? await reader.list(query) } }
                }
            }
        }
        defer { busy.cancel() }
        for round in 1...15 {
            _ = try await writer.add(try draft("https://w\(round).example/", ""))
            let totals = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<16 { group.addTask { try await reader.list(query).total } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            XCTAssertEqual(totals, Array(repeating: round, count: 16), "round \(round): lists on node B after node A's add")
        }
    }
}
