import Glibc
import Testing
@testable import WebhookCore
@testable import WebhookStore
import WhsTestSupport

/// The SQLite store's read connections, group commit and checkpoints beside the writes
/// (SQLiteReader.swift, SQLiteGroupCommit.swift, SQLiteCheckpoints.swift): a read does not wait
/// for a write and sees every commit made before it; writes committed together keep or lose
/// each one's rows alone; the WAL is copied back and stays bounded; the files stay private.
@Suite struct SQLiteConcurrencyTests {
    static let deliver = EventType.named("deliver")!

    static func draft(_ url: String) throws -> WebhookDraft {
        try WebhookDraft.validated(url: url, apiUser: nil, events: [.name("deliver")])
    }

    /// Runs `body` while this thread holds the store's lock inside an open write transaction
    /// with one uncommitted webhook, as a send's write does on another event loop. A read that
    /// waited for the lock would never return (the lock is not recursive).
    static func duringAWrite<T>(_ store: SQLiteStore, _ body: () throws -> T) throws -> T {
        try store.lock.withLock { () throws(WebhookError) -> T in
            try store.connection.execute("BEGIN IMMEDIATE")
            defer { try? store.connection.execute("ROLLBACK") }
            try store.connection.execute("INSERT INTO webhooks(account, api_user, url, events) VALUES ('acme', '', 'https://a.example/uncommitted', 16)")
            do { return try body() } catch let error as WebhookError { throw error } catch { throw .storage("\(error)") }
        }
    }

    @Test func aReadDuringAWriteDoesNotWaitAndSeesWhatWasCommitted() throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.path + "/s.sqlite")
        let acme = store.account("acme")
        let first = try acme.add(Self.draft("https://a.example/1"))
        let (page, subscribed, found) = try Self.duringAWrite(store) {
            (try acme.list(WebhookQuery(limit: 10)), try store.subscribers(account: "acme", event: Self.deliver), try acme.get(id: first.id))
        }
        #expect(page.webhooks.map(\.url) == ["https://a.example/1"] && page.total == 1)
        #expect(subscribed.map(\.id) == [first.id])
        #expect(found.url == first.url)
        #expect(store.readers.contains { slot in slot.reader.withLock { $0 != nil } })

        // A commit made after the read connection's last read is in its next one, totals too.
        let second = try acme.add(Self.draft("https://a.example/2"))
        let again = try Self.duringAWrite(store) { try acme.list(WebhookQuery(limit: 10)) }
        #expect(again.webhooks.map(\.id) == [first.id, second.id] && again.total == 2)
        _ = try acme.delete(id: first.id)
        let after = try Self.duringAWrite(store) { try acme.list(WebhookQuery(limit: 10)) }
        #expect(after.webhooks.map(\.id) == [second.id] && after.total == 1)
    }

    @Test func aStatementLeftMidwayDoesNotHoldAReadConnectionsSnapshot() throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.path + "/s.sqlite")
        let acme = store.account("acme")
        _ = try acme.add(Self.draft("https://a.example/1"))
        // One row stepped, the statement not finished: its read transaction stays open until
        // the read ends it.
        try Self.duringAWrite(store) {
            try store.reading { reader throws(WebhookError) in
                let rows = try reader.statements().select.bind(.text("acme"), .integer(10), .integer(0))
                #expect(try rows.step())
            }
        }
        _ = try acme.add(Self.draft("https://a.example/2"))
        let seen = try Self.duringAWrite(store) { try store.subscribers(account: "acme", event: Self.deliver) }
        #expect(seen.count == 2)
    }

    @Test func writesCommittedTogetherKeepOrLoseTheirOwnRows() throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.path + "/s.sqlite")
        let hook = try store.account("acme").add(Self.draft("https://a.example/1"))
        func insert(_ messageID: String) throws(WebhookError) {
            _ = try store.insertDeliveries(account: "acme", webhooks: [hook], event: Self.deliver, messageID: messageID, payload: [1], at: 1)
        }
        func queued(_ messageID: String, failing: Bool) -> SQLiteQueuedWrite {
            SQLiteQueuedWrite { () throws(WebhookError) in
                try store.connection.execute("INSERT INTO deliveries(account, webhook_id, url, event, message_id, payload, state, created) VALUES ('acme', \(hook.id), 'u', 4, '\(messageID)', x'01', 'pending', 1)")
                if failing { throw .storage("refused \(messageID)") }
            }
        }
        // Two writes of other threads wait in the queue; this thread's write takes the lock
        // and commits all three in one transaction.
        let (kept, failed) = (queued("kept", failing: false), queued("failed", failing: true))
        store.writeQueue.waiting.withLock { $0 += [kept, failed] }
        try insert("mine")
        #expect(kept.done && kept.error == nil)
        #expect(failed.done && failed.error == .storage("refused failed"))
        let messages = try store.deliveries(account: "acme", DeliveryQuery(limit: 10)).map(\.messageID)
        #expect(messages.sorted() == ["kept", "mine"])
        #expect(store.writeQueue.waiting.withLock { $0.isEmpty })
        // Alone, a write that fails leaves nothing either, and the store writes on.
        #expect(throws: WebhookError.deliveryNotFound(id: 999)) { try store.copyDelivery(account: "acme", id: 999, at: 2) }
        try insert("later")
        #expect(try store.deliveries(account: "acme", DeliveryQuery(limit: 10)).count == 3)
    }

    @Test func manyThreadsWritingAtOnceLoseNothing() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.path + "/s.sqlite")
        let hook = try store.account("acme").add(Self.draft("https://a.example/1"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for thread in 0..<8 {
                group.addTask {
                    for n in 0..<50 {
                        _ = try store.insertDeliveries(account: "acme", webhooks: [hook], event: Self.deliver,
                                                       messageID: "\(thread)-\(n)", payload: [1], at: 1)
                    }
                }
            }
            try await group.waitForAll()
        }
        let rows = try store.connection.integer("SELECT count(DISTINCT message_id) FROM deliveries")
        #expect(rows == 400)
    }

    @Test func theWALIsCopiedBackBesideTheWritesAndStaysBoundedAndPrivate() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/s.sqlite"
        let store = try SQLiteStore(path: path)
        let acme = store.account("acme")
        for n in 0..<6000 { _ = try acme.add(Self.draft("https://a.example/\(n)")) }
        // Pages reached the database file (no checkpoint would leave it at its first pages);
        // the checkpoint thread copies them back beside the writes, so give it a moment.
        var info = stat()
        for _ in 0..<300 where stat(path, &info) == 0 && info.st_size <= 200 * 4096 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(info.st_size > 200 * 4096)
        // The WAL starts again once past `restartFrames`: it never holds many more frames.
        #expect(stat(path + "-wal", &info) == 0)
        let frameBytes = 4096 + 24
        #expect(Int(info.st_size) <= 32 + (SQLiteCheckpoints.restartFrames + 200) * frameBytes)
        // Read connections (opened during a write) and the checkpoint's connection leave the files private.
        _ = try Self.duringAWrite(store) { try acme.list(WebhookQuery(limit: 1)) }
        for file in [path, path + "-wal", path + "-shm"] {
            #expect(stat(file, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o600, "\(file)")
        }
        #expect(try acme.list(WebhookQuery(limit: 1)).total == 6000)
    }
}
