import CSQLite
import Glibc
import Synchronization
import WebhookCore

/// The embedded store: one SQLite file in WAL mode. Several processes may write it at once
/// (each write waits up to `busyTimeout` for the lock); one process may share it across
/// threads (every write, and every read of the store's connection, holds `lock`; the hot
/// reads may run beside them on read connections of their own, `SQLiteReader.swift`).
public final class SQLiteStore: @unchecked Sendable {
    public let path: String
    let connection: SQLiteConnection
    let statements: Statements
    /// Held by every write and by reads on `connection` (SQLiteLock.swift says why not `Mutex`).
    let lock = SQLiteLock()
    /// The hot reads on the store's own connection, used under `lock`.
    let primary: SQLiteReader
    /// Read connections of their own, each under its own lock, opened when a read would
    /// otherwise wait for `lock` (`reading`), so that a server's reads do not queue behind
    /// its writes.
    let readers: [ReaderSlot] = (0..<SQLiteStore.readerCount).map { _ in ReaderSlot() }
    /// The read connection a read waits for when every one is busy, in turn.
    let nextReader = Atomic<UInt>(0)
    /// Copies the WAL back after a write released `lock` (SQLiteCheckpoints.swift).
    let checkpoints = SQLiteCheckpoints()
    /// Writes waiting to commit together (SQLiteGroupCommit.swift).
    let writeQueue = SQLiteWriteQueue()
    var groupStatementsIfPrepared: SQLiteWriteQueue.GroupStatements?
    /// The delivery log's statements, prepared on first use: most runs of whs never deliver,
    /// and start-up pays for every statement prepared.
    var deliveryStatementsIfPrepared: DeliveryStatements?
    /// The mail log's statements, prepared on first use for the same reason.
    var mailStatementsIfPrepared: MailStatements?
    /// Reset, deletes and retention (`SQLiteStore+Clearing.swift`), prepared on first use.
    var clearingStatementsIfPrepared: ClearingStatements?
    /// Retention's own connection, opened on first use, with its lock: a prune's writes (and
    /// the WAL checkpoints they cause) never hold `lock`, so readers never wait for them.
    let pruning = Mutex<PruneSide?>(nil)
    /// Seals app keys at rest; its key file is read on first use.
    var appKeySealIfRead: AppKeySeal?

    public static let busyTimeoutMilliseconds = 5000

    /// Opens the store at `path`, creating the file (mode 0600) and its schema on first use.
    public init(path: String) throws(WebhookError) {
        self.path = path
        try SQLiteStore.createPrivately(path)
        connection = try SQLiteConnection(path: path)
        try connection.execute("PRAGMA busy_timeout = \(SQLiteStore.busyTimeoutMilliseconds)")
        try connection.execute("PRAGMA journal_mode = WAL")
        // NORMAL in WAL mode: a commit survives the process being killed; only a power loss
        // can take back the last transactions. That is the trade sqlite3 users make too.
        try connection.execute("PRAGMA synchronous = NORMAL")
        // Checkpoints outside `lock`, past the same 1,000 frames as SQLite's own.
        checkpoints.watch(connection)
        // Writes committed together each run in a savepoint, whose copies of the pages it
        // changes then stay in memory instead of a temporary file (SQLiteGroupCommit.swift).
        try connection.execute("PRAGMA temp_store = MEMORY")
        try Schema.migrate(connection)
        statements = try Statements(connection)
        primary = SQLiteReader(sharing: connection)
    }

    /// Creates an empty file readable by its owner only, unless it exists already: the store
    /// will hold account keys (hashed) and it is nobody else's business which URLs it lists.
    static func createPrivately(_ path: String) throws(WebhookError) {
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .storage("\(path): \(String(cString: strerror(errno)))") }
        close(descriptor)
    }

    /// The webhooks of one account, as a `WebhookService`.
    public func account(_ name: String = "local", apiUsers: APIUserPolicy = .anyWellFormed) -> SQLiteAccount {
        SQLiteAccount(store: self, account: name, policy: apiUsers)
    }

    /// Forgets the cached totals of this connection after it wrote (its own commits do not
    /// change its `data_version`; the read connections' do). Called under the lock.
    func changed() { primary.totals.removeAll(keepingCapacity: true) }

    /// The seal of this store's app keys. Called under the lock.
    func appKeySeal() throws(WebhookError) -> AppKeySeal {
        if let seal = appKeySealIfRead { return seal }
        let seal = try AppKeySeal.forStore(at: path)
        appKeySealIfRead = seal
        return seal
    }

    /// Runs `body` with the connection to itself; then, if the WAL grew enough, checkpoints
    /// it without holding `lock`.
    func withLock<T>(_ body: () throws(WebhookError) -> T) throws(WebhookError) -> T {
        let result = try lock.withLock { () throws(WebhookError) -> T in
            checkpoints.restartIfLong(connection)
            return try body()
        }
        if checkpoints.due { checkpoints.request(path: path) }
        return result
    }

    /// Runs `body` in one write transaction (`BEGIN IMMEDIATE`, so a writer waits for the lock
    /// up front instead of failing at its first write); rolled back when it throws. Called under
    /// the lock.
    func writing<T>(_ body: () throws(WebhookError) -> T) throws(WebhookError) -> T {
        try connection.execute("BEGIN IMMEDIATE")
        do throws(WebhookError) {
            let result = try body()
            try connection.execute("COMMIT")
            return result
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// The prepared statements of every operation, compiled once per open store.
    final class Statements {
        /// The writes; the reads are `SQLiteReader.Statements`.
        let insert, byOwnerURL, update, delete: SQLiteStatement

        init(_ c: SQLiteConnection) throws(WebhookError) {
            insert = try c.prepare("INSERT INTO webhooks(account, api_user, url, events) VALUES (?1, ?2, ?3, ?4)")
            byOwnerURL = try c.prepare("SELECT id FROM webhooks WHERE account = ?1 AND api_user = ?2 AND url = ?3")
            update = try c.prepare("""
                UPDATE webhooks SET url = coalesce(?3, url), events = coalesce(?4, events), api_user = coalesce(?5, api_user)
                WHERE account = ?1 AND id = ?2
                """)
            delete = try c.prepare("DELETE FROM webhooks WHERE account = ?1 AND id = ?2")
        }
    }
}

/// One account of a `SQLiteStore`: what the shell and the server talk to.
public final class SQLiteAccount: WebhookService, @unchecked Sendable {
    let store: SQLiteStore
    public let account: String
    public let policy: APIUserPolicy

    init(store: SQLiteStore, account: String, policy: APIUserPolicy) {
        self.store = store
        self.account = account
        self.policy = policy
    }

    public var backendDescription: String { "store \(store.path)" }

    public func list(_ query: WebhookQuery) throws(WebhookError) -> Page {
        try store.reading { reader throws(WebhookError) -> Page in
            let s = try reader.statements()
            let version = try reader.holdSnapshot()
            let rows: SQLiteStatement
            let counter: SQLiteStatement
            if let apiUser = query.apiUser {
                rows = s.selectForUser.bind(.text(account), .integer(query.limit), .integer(query.offset), .text(apiUser))
                counter = s.countForUser.bind(.text(account), .text(apiUser))
            } else {
                rows = s.select.bind(.text(account), .integer(query.limit), .integer(query.offset))
                counter = s.count.bind(.text(account))
            }
            var webhooks: [Webhook] = []
            webhooks.reserveCapacity(query.limit)
            while try rows.step() { webhooks.append(webhook(from: rows)) }
            let key = account + "\u{0}" + (query.apiUser ?? "\u{0}*")
            if let total = reader.cachedTotal(key, version: version) { return Page(webhooks: webhooks, total: total) }
            guard try counter.step() else { throw .storage("count returned no row") }
            let total = counter.int(0)
            _ = try counter.step()
            reader.totals[key] = total
            return Page(webhooks: webhooks, total: total)
        }
    }

    public func add(_ draft: WebhookDraft) throws(WebhookError) -> Webhook {
        try policy.check(draft.apiUser)
        return try store.withLock { () throws(WebhookError) -> Webhook in
            let s = store.statements
            do throws(WebhookError) {
                try s.insert.bind(.text(account), .text(draft.apiUser), .text(draft.url), .integer(draft.events.mask)).run()
            } catch {
                if s.insert.isConstraintFailure(error) { throw try duplicate(apiUser: draft.apiUser, url: draft.url) }
                throw error
            }
            store.changed()
            return Webhook(id: store.connection.lastInsertRowID, url: draft.url, events: draft.events, apiUser: draft.apiUser)
        }
    }

    public func modify(id: Int, _ patch: WebhookPatch) throws(WebhookError) -> Int {
        if let apiUser = patch.apiUser { try policy.check(apiUser) }
        return try store.withLock { () throws(WebhookError) -> Int in
            let s = store.statements
            // SQLite counts a matched row as changed even when the values stay the same, so an
            // empty patch still answers 1 for an existing id, as API.md asks.
            do throws(WebhookError) {
                try s.update.bind(
                    .text(account), .integer(id),
                    patch.url.map { .text($0) } ?? .null,
                    patch.events.map { .integer($0.mask) } ?? .null,
                    patch.apiUser.map { .text($0) } ?? .null
                ).run()
            } catch {
                guard s.update.isConstraintFailure(error) else { throw error }
                let current = try row(id: id, on: store.primary)
                throw try duplicate(apiUser: patch.apiUser ?? current?.apiUser ?? "", url: patch.url ?? current?.url ?? "")
            }
            store.changed()
            return store.connection.changes
        }
    }

    public func delete(id: Int) throws(WebhookError) -> Int {
        try store.withLock { () throws(WebhookError) -> Int in
            try store.statements.delete.bind(.text(account), .integer(id)).run()
            store.changed()
            return store.connection.changes
        }
    }

    public func get(id: Int) throws(WebhookError) -> Webhook {
        try store.reading { reader throws(WebhookError) -> Webhook in
            guard let found = try row(id: id, on: reader) else { throw .webhookNotFound(id: id) }
            return found
        }
    }

    private func row(id: Int, on reader: SQLiteReader) throws(WebhookError) -> Webhook? {
        let statement = try reader.statements().byID.bind(.text(account), .integer(id))
        guard try statement.step() else { return nil }
        let found = webhook(from: statement)
        _ = try statement.step()
        return found
    }

    private func duplicate(apiUser: String, url: String) throws(WebhookError) -> WebhookError {
        let statement = store.statements.byOwnerURL.bind(.text(account), .text(apiUser), .text(url))
        guard try statement.step() else { return .storage("constraint failed: \(store.connection.lastError)") }
        let id = statement.int(0)
        _ = try statement.step()
        return .duplicate(existingID: id)
    }

    private func webhook(from row: SQLiteStatement) -> Webhook {
        Webhook(id: row.int(0), url: row.text(1), events: EventSet(mask: row.int(2)), apiUser: row.text(3))
    }
}
