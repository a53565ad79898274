import CSQLite
import WebhookCore

/// A thin, owned handle on one SQLite connection: open, run SQL, prepare statements.
/// Every SQLite failure becomes `WebhookError.storage` with SQLite's own words.
final class SQLiteConnection {
    let handle: OpaquePointer

    /// Opens `path`; `create` false for a second connection to a file that must exist already.
    init(path: String, create: Bool = true) throws(WebhookError) {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &db, flags, nil)
        guard status == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw .storage("\(path): \(message)")
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
    }

    deinit { sqlite3_close_v2(handle) }

    var lastError: String { String(cString: sqlite3_errmsg(handle)) }

    func execute(_ sql: String) throws(WebhookError) {
        var error: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(handle, sql, nil, nil, &error) != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? lastError
            sqlite3_free(error)
            throw .storage(message)
        }
    }

    func prepare(_ sql: String) throws(WebhookError) -> SQLiteStatement {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK,
              let statement else {
            throw .storage("\(lastError) in: \(sql)")
        }
        return SQLiteStatement(handle: statement, connection: self)
    }

    /// An integer that a one-row, one-column query returns (a PRAGMA, a count).
    func integer(_ sql: String) throws(WebhookError) -> Int {
        let statement = try prepare(sql)
        guard try statement.step() else { throw .storage("no row for: \(sql)") }
        return statement.int(0)
    }

    /// Resets every statement left mid-way (stepped to a row, not to its end): such a
    /// statement keeps its read transaction, and the connection's snapshot, open.
    func endReads() {
        var statement = sqlite3_next_stmt(handle, nil)
        while let current = statement {
            if sqlite3_stmt_busy(current) != 0 { sqlite3_reset(current) }
            statement = sqlite3_next_stmt(handle, current)
        }
    }

    var changes: Int { Int(sqlite3_changes(handle)) }
    var lastInsertRowID: Int { Int(sqlite3_last_insert_rowid(handle)) }
}

/// A prepared statement, kept for reuse: bind, step through rows, reset.
final class SQLiteStatement {
    let handle: OpaquePointer
    unowned let connection: SQLiteConnection

    init(handle: OpaquePointer, connection: SQLiteConnection) {
        self.handle = handle
        self.connection = connection
    }

    deinit { sqlite3_finalize(handle) }

    /// The statement's text, as prepared (for a test's `EXPLAIN QUERY PLAN`).
    var sql: String { sqlite3_sql(handle).map { String(cString: $0) } ?? "" }

    /// Binds `values` to ?1, ?2, ... (up to four: no statement here needs more, and a fixed
    /// count keeps an array allocation off every insert).
    @discardableResult
    func bind(_ a: SQLiteValue, _ b: SQLiteValue? = nil, _ c: SQLiteValue? = nil, _ d: SQLiteValue? = nil, _ e: SQLiteValue? = nil) -> SQLiteStatement {
        sqlite3_reset(handle)
        bind(a, at: 1)
        if let b { bind(b, at: 2) }
        if let c { bind(c, at: 3) }
        if let d { bind(d, at: 4) }
        if let e { bind(e, at: 5) }
        return self
    }

    /// Ready to run again, for a statement without parameters.
    func reset() -> SQLiteStatement {
        sqlite3_reset(handle)
        return self
    }

    func bind(_ value: SQLiteValue, at position: Int32) {
        switch value {
        case .integer(let number): sqlite3_bind_int64(handle, position, Int64(number))
        case .text(let text): sqlite3_bind_text(handle, position, text, -1, csqlite_transient())
        case .real(let number): sqlite3_bind_double(handle, position, number)
        case .null: sqlite3_bind_null(handle, position)
        }
    }

    /// Advances to the next row: true if there is one. A constraint failure is returned as
    /// `SQLiteConstraint` so callers can turn it into the API's own error.
    func step() throws(WebhookError) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: sqlite3_reset(handle); return false
        case let status:
            let message = connection.lastError
            sqlite3_reset(handle)
            if status & 0xFF == SQLITE_CONSTRAINT { throw .storage("constraint: \(message)") }
            throw .storage(message)
        }
    }

    /// Runs a statement that returns no rows.
    func run() throws(WebhookError) { while try step() {} }

    func bindBlob(_ bytes: [UInt8], at position: Int32) {
        _ = bytes.withUnsafeBytes { sqlite3_bind_blob(handle, position, $0.baseAddress, Int32($0.count), csqlite_transient()) }
    }

    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let bytes = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }
    func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(handle, column) else { return "" }
        return String(cString: bytes)
    }
    func isConstraintFailure(_ error: WebhookError) -> Bool {
        if case .storage(let message) = error { return message.hasPrefix("constraint: ") }
        return false
    }
}

enum SQLiteValue {
    case integer(Int)
    case text(String)
    case real(Double)
    case null
}
