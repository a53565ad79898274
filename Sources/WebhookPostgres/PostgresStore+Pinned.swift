import PostgresNIO
import WebhookCore

/// Calls on the hot path's connections (`PinnedConnections`).
extension PostgresStore {
    /// Runs `body` on one of the pinned connections, within `callTimeout` (the watchdog closes
    /// a connection that stops answering); on the pool when none can be opened. `retry`: the
    /// call may run twice (a read, or a write that is idempotent), so a connection found
    /// broken, or whose prepared statements went stale, is replaced and the call run again on
    /// the new one.
    func pinned<T: Sendable>(retry: Bool = false, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws(WebhookError) -> T {
        guard let pinned else { return try await call { client in try await client.withConnection { try await body($0) } } }
        var again = true
        var slot: PinnedConnections.Slot?
        while true {
            guard let lease = await pinned.lease(on: slot) else {
                return try await call { client in try await client.withConnection { try await body($0) } }
            }
            do {
                let value = try await body(lease.connection)
                lease.done()
                failures.clear()
                return value
            } catch {
                lease.done()
                if lease.timedOut {
                    let why = failures.lastReason.map { ": \($0)" } ?? ""
                    throw WebhookError.unreachable("the database did not answer within \(PostgresStore.callTimeout.components.seconds) s (\(location))\(why)")
                }
                let stale = PostgresStore.isStalePreparation(error)
                let broken = lease.connection.isClosed || PostgresStore.isConnectionLost(error)
                if stale || broken { lease.retire() }
                // A stale preparation ran nothing, so the call may always run again; a call on a
                // broken connection only when the caller says so.
                if again && (stale || broken && retry) {
                    again = false
                    // The same slot, so on its new connection: the others may hold the same stale statement.
                    slot = lease.slot
                    continue
                }
                throw PostgresStore.described(error, location)
            }
        }
    }

    /// True for the errors that end the connection they came on. The backend's FATAL
    /// "terminating connection due to administrator command" (SQLSTATE 57P01, as from
    /// `pg_terminate_backend` or a server's fast shutdown) reaches the call before the socket's
    /// close does, so `isClosed` can still be false when the call fails: class 57P is the
    /// operator ending the backend, class 08 a connection exception.
    static func isConnectionLost(_ error: any Error) -> Bool {
        guard let psql = error as? PSQLError else { return false }
        switch psql.code {
        case .serverClosedConnection, .uncleanShutdown, .connectionError: return true
        case .server:
            guard let state = psql.serverInfo?[.sqlState] else { return false }
            return endsConnection(sqlState: state)
        default: return false
        }
    }

    /// SQLSTATE class 08 (a connection exception) or 57P (the server shutting down, starting,
    /// or the backend ended by an operator): the database is away, not the statement wrong.
    static func endsConnection(sqlState state: String) -> Bool {
        state.hasPrefix("08") || state.hasPrefix("57P")
    }

    /// True for the errors after which a connection's prepared statements are no use: postgres-nio
    /// keeps a statement whose preparation failed (a table missing at the time) and its result
    /// columns, so a table changed or made since would fail on that connection for good.
    /// SQLSTATE 0A000 is "cached plan must not change result type", 26000 a statement the
    /// server no longer has, class 42 a name or column the statement could not find.
    static func isStalePreparation(_ error: any Error) -> Bool {
        guard let psql = error as? PSQLError, psql.code == .server, let state = psql.serverInfo?[.sqlState] else { return false }
        return state == "0A000" || state == "26000" || state.hasPrefix("42")
    }
}
