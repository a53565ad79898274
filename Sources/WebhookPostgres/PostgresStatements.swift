import NIOCore
import PostgresNIO
import WebhookCore

// The statements of the hot path, each prepared once per connection (postgres-nio keeps them
// by name): parsed and planned once, then only bound and run. Their names are fixed strings:
// the protocol's default name is `String(reflecting:)` of the type, made on every call. Rows
// are read cell by cell (`Cells`), not as a tuple, whose generic decoding looked up type
// metadata on every row.

/// The cells of a row, in order.
struct Cells {
    var cells: PostgresRow.Iterator

    init(_ row: PostgresRow) { cells = row.makeIterator() }

    mutating func next<T: PostgresDecodable>(_: T.Type = T.self) throws -> T {
        guard let cell = cells.next() else { throw WebhookError.storage("a row had fewer columns than its statement names") }
        return try cell.decode(T.self)
    }
}

/// A webhook of an account by id.
struct WebhookByIDStatement: PostgresPreparedStatement {
    static let name = "whs_webhook_by_id"
    static let sql = "SELECT id, url, events, api_user FROM webhooks WHERE account = $1 AND id = $2"
    typealias Row = Webhook

    let account: String
    let id: Int

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(account)
        bindings.append(id)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        var cells = Cells(row)
        return try Webhook(&cells)
    }
}

/// The webhooks of an account that take any of the events of a mask, by id.
struct SubscribersStatement: PostgresPreparedStatement {
    static let name = "whs_subscribers"
    static let sql = "SELECT id, url, events, api_user FROM webhooks WHERE account = $1 AND events & $2 <> 0 ORDER BY id"
    typealias Row = Webhook

    let account: String
    let mask: Int

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(account)
        bindings.append(mask)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        var cells = Cells(row)
        return try Webhook(&cells)
    }
}

extension Webhook {
    /// id, url, events, api_user.
    init(_ cells: inout Cells) throws {
        self.init(id: try cells.next(), url: try cells.next(), events: EventSet(mask: try cells.next()), apiUser: try cells.next())
    }
}

/// An API_USER's account and key hash, to authenticate a caller.
struct APIUserStatement: PostgresPreparedStatement {
    static let name = "whs_api_user"
    static let sql = "SELECT account, key_salt, key_hash FROM api_users WHERE name = $1"
    typealias Row = (account: String, salt: ByteBuffer, hash: ByteBuffer)

    let apiUser: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(apiUser)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        var cells = Cells(row)
        return (try cells.next(), try cells.next(), try cells.next())
    }
}

/// The API_USERs of an account.
struct AccountUsersStatement: PostgresPreparedStatement {
    static let name = "whs_account_users"
    static let sql = "SELECT name FROM api_users WHERE account = $1"
    typealias Row = String

    let account: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(account)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        var cells = Cells(row)
        return try cells.next()
    }
}
