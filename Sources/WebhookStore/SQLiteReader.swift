import CSQLite
import Synchronization
import WebhookCore

/// A connection the store reads through: the statements of its hot reads (the server's pages,
/// credentials, a send's subscribers) and the list totals it cached. The store's own
/// connection has one, used under `lock`; the store opens up to `SQLiteStore.readerCount`
/// connections of their own when a read would otherwise wait for `lock` (`SQLiteStore.reading`).
/// In WAL mode such a connection reads while the store's connection writes, and each of its
/// reads is a new read transaction, which sees every commit made before it began.
final class SQLiteReader {
    let connection: SQLiteConnection
    /// Totals of recent queries, by account and API_USER filter; valid while the file has not
    /// changed. Counting a large account's index on every page is what a server's list costs
    /// most, and pages are asked for far more often than webhooks change.
    var totals: [String: Int] = [:]
    var totalsVersion = -1
    private var statementsIfPrepared: Statements?

    /// The reads of the store's own connection.
    init(sharing connection: SQLiteConnection) {
        self.connection = connection
    }

    /// A connection of its own to the store at `path`, which the store's connection made (and
    /// put in WAL mode, which the file keeps). It only reads: `query_only` makes a write
    /// through it fail rather than slip past `lock`.
    init(path: String) throws(WebhookError) {
        connection = try SQLiteConnection(path: path, create: false)
        try connection.execute("PRAGMA busy_timeout = \(SQLiteStore.busyTimeoutMilliseconds)")
        try connection.execute("PRAGMA query_only = 1")
    }

    /// The statements, prepared on first use (a shell that lists once prepares them once).
    func statements() throws(WebhookError) -> Statements {
        if let prepared = statementsIfPrepared { return prepared }
        let prepared = try Statements(connection)
        statementsIfPrepared = prepared
        return prepared
    }

    /// Runs `body`, then ends any read a statement left open, so that the next read on this
    /// connection starts a new transaction instead of seeing an old snapshot.
    func read<T>(_ body: (SQLiteReader) throws(WebhookError) -> sending T) throws(WebhookError) -> sending T {
        defer { connection.endReads() }
        return try body(self)
    }

    /// Begins a read transaction and keeps it open until `read`'s body returns: the
    /// `data_version` statement is left on its row, and every statement stepped meanwhile reads
    /// the same snapshot. A page and its total then come from one transaction, and a list
    /// takes the WAL's read lock once (two `fcntl`s) instead of once per statement.
    /// `data_version` changes when another connection (of this process or another) commits;
    /// the store's own connection also empties its cache after its own writes
    /// (`SQLiteStore.changed()`).
    func holdSnapshot() throws(WebhookError) -> Int {
        let dataVersion = try statements().dataVersion
        guard try dataVersion.reset().step() else { throw .storage("data_version returned no row") }
        return dataVersion.int(0)
    }

    /// The cached total for `key` at `version` (from `holdSnapshot`), or nil.
    func cachedTotal(_ key: String, version: Int) -> Int? {
        if version != totalsVersion {
            totals.removeAll(keepingCapacity: true)
            totalsVersion = version
            return nil
        }
        return totals[key]
    }

    final class Statements {
        let select, selectForUser, count, countForUser, byID, credential, apiUsersOfAccount, subscribers, dataVersion: SQLiteStatement

        init(_ c: SQLiteConnection) throws(WebhookError) {
            select = try c.prepare("SELECT id, url, events, api_user FROM webhooks WHERE account = ?1 ORDER BY id LIMIT ?2 OFFSET ?3")
            selectForUser = try c.prepare("SELECT id, url, events, api_user FROM webhooks WHERE account = ?1 AND api_user = ?4 ORDER BY id LIMIT ?2 OFFSET ?3")
            count = try c.prepare("SELECT count(*) FROM webhooks WHERE account = ?1")
            countForUser = try c.prepare("SELECT count(*) FROM webhooks WHERE account = ?1 AND api_user = ?2")
            byID = try c.prepare("SELECT id, url, events, api_user FROM webhooks WHERE account = ?1 AND id = ?2")
            credential = try c.prepare("SELECT account, key_salt, key_hash FROM api_users WHERE name = ?1")
            apiUsersOfAccount = try c.prepare("SELECT name FROM api_users WHERE account = ?1")
            subscribers = try c.prepare("SELECT id, url, events, api_user FROM webhooks WHERE account = ?1 AND events & ?2 != 0 ORDER BY id")
            dataVersion = try c.prepare("PRAGMA data_version")
        }
    }
}

/// One of the store's read connections, nil until first needed, under its own lock.
final class ReaderSlot: Sendable {
    let reader = Mutex<SQLiteReader?>(nil)
}

extension SQLiteStore {
    /// How many read connections the store opens at most, besides its own: one per event
    /// loop of a server on this machine's two cores is what the benchmarks showed to pay.
    static let readerCount = 2

    /// Runs a read. In order: on a read connection that is open and free; on the store's own
    /// connection if no write holds it (a shell, which never waits, opens no second
    /// connection); else on a read connection, opened on first need, waiting for it if busy.
    /// A read never waits behind a write transaction or a WAL checkpoint of this process.
    func reading<T>(_ body: (SQLiteReader) throws(WebhookError) -> sending T) throws(WebhookError) -> sending T {
        for slot in readers {
            let done = try slot.reader.withLockIfAvailable { (reader: inout SQLiteReader?) throws(WebhookError) -> T? in
                guard let reader else { return nil }
                return try reader.read(body)
            }
            if case .some(.some(let value)) = done { return value }
        }
        if let value = try lock.withLockIfAvailable({ () throws(WebhookError) -> T in try primary.read(body) }) {
            return value
        }
        let slot = readers[Int(nextReader.add(1, ordering: .relaxed).oldValue % UInt(readers.count))]
        return try slot.reader.withLock { (reader: inout SQLiteReader?) throws(WebhookError) -> T in
            let opened: SQLiteReader
            if let reader { opened = reader } else { opened = try SQLiteReader(path: path) }
            reader = opened
            return try opened.read(body)
        }
    }
}
