import CSQLite
import Synchronization
import WebhookCore

/// Group commit: writes that queue for `lock` at the same moment commit in one transaction.
/// A server's sends (one per event loop) and the dispatcher's attempt batches wait for each
/// other on `lock`; a commit writes every page it changed to the WAL, and most of a send's
/// pages (the tables' and indexes' last pages) are the next send's too. So each write joins a
/// queue; whichever thread gets `lock` runs every queued write, each in a savepoint of its own
/// (a write that fails is rolled back alone, and its caller gets its error), and commits once.
/// The others find their write done when they get `lock`, and return its result.
final class SQLiteWriteQueue: Sendable {
    let waiting = Mutex<[SQLiteQueuedWrite]>([])

    final class GroupStatements {
        let begin, commit, rollback, savepoint, release, rollbackToSavepoint: SQLiteStatement

        init(_ c: SQLiteConnection) throws(WebhookError) {
            begin = try c.prepare("BEGIN IMMEDIATE")
            commit = try c.prepare("COMMIT")
            rollback = try c.prepare("ROLLBACK")
            savepoint = try c.prepare("SAVEPOINT queued")
            release = try c.prepare("RELEASE queued")
            rollbackToSavepoint = try c.prepare("ROLLBACK TO queued")
        }
    }
}

/// One write waiting in `SQLiteWriteQueue`: run under `lock` by whichever thread commits.
final class SQLiteQueuedWrite: @unchecked Sendable {
    let run: () throws(WebhookError) -> Void
    /// Set under `lock`, read under it.
    var done = false
    var error: WebhookError?

    init(_ run: @escaping () throws(WebhookError) -> Void) { self.run = run }
}

/// A write's result, filled under `lock` by the thread that ran it.
final class SQLiteWriteResult<T>: @unchecked Sendable {
    var value: T?
}

extension SQLiteStore {
    /// Runs `body` in a write transaction, perhaps together with writes of other threads
    /// (`SQLiteWriteQueue`); returns its result once that transaction committed. Its writes
    /// are all kept or, if it throws, none of them.
    func grouped<T>(_ body: () throws(WebhookError) -> T) throws(WebhookError) -> T {
        try withoutActuallyEscaping(body) { (escaping: @escaping () throws(WebhookError) -> T) throws(WebhookError) -> T in
            let result = SQLiteWriteResult<T>()
            let write = SQLiteQueuedWrite { () throws(WebhookError) in result.value = try escaping() }
            writeQueue.waiting.withLock { $0.append(write) }
            try withLock { () throws(WebhookError) in
                if write.done { return }
                let batch = writeQueue.waiting.withLock { waiting in
                    let batch = waiting
                    waiting.removeAll(keepingCapacity: true)
                    return batch
                }
                try commitTogether(batch)
            }
            if let error = write.error { throw error }
            guard let value = result.value else { throw .storage("a queued write did not run") }
            return value
        }
    }

    /// Runs `batch` in one transaction and commits it; every write is marked done, with its
    /// error if it failed. Called under the lock.
    private func commitTogether(_ batch: [SQLiteQueuedWrite]) throws(WebhookError) {
        let s = try groupStatements()
        func fail(_ writes: ArraySlice<SQLiteQueuedWrite>, _ error: WebhookError) {
            for write in writes {
                write.error = error
                write.done = true
            }
        }
        do throws(WebhookError) {
            try s.begin.reset().run()
        } catch {
            fail(batch[...], error)
            return
        }
        let alone = batch.count == 1
        for (index, write) in batch.enumerated() {
            do throws(WebhookError) {
                if !alone { try s.savepoint.reset().run() }
                try write.run()
                if !alone { try s.release.reset().run() }
            } catch {
                write.error = error
                if sqlite3_get_autocommit(connection.handle) != 0 {
                    // SQLite rolled the whole transaction back itself (a full disk, an I/O
                    // error): the writes before this one are undone too.
                    fail(batch[...], error)
                    return
                }
                if alone {
                    _ = try? s.rollback.reset().run()
                    fail(batch[...], error)
                    return
                }
                do throws(WebhookError) {
                    try s.rollbackToSavepoint.reset().run()
                    try s.release.reset().run()
                } catch {
                    _ = try? s.rollback.reset().run()
                    fail(batch[..<index], error)
                    fail(batch[(index + 1)...], error)
                    return
                }
            }
            write.done = true
        }
        do throws(WebhookError) {
            try s.commit.reset().run()
        } catch {
            _ = try? s.rollback.reset().run()
            for write in batch where write.error == nil { write.error = error }
        }
    }

    /// The transaction statements, prepared on first use. Called under the lock.
    private func groupStatements() throws(WebhookError) -> SQLiteWriteQueue.GroupStatements {
        if let prepared = groupStatementsIfPrepared { return prepared }
        let prepared = try SQLiteWriteQueue.GroupStatements(connection)
        groupStatementsIfPrepared = prepared
        return prepared
    }
}
