import Glibc
import MailSandbox
import WebhookCore
import WebhookDelivery
import WebhookHTTP
import WebhookPostgres
import WebhookStore
import WhsShell
import WhsSupport

/// Building the backend a command line or `connect` names: the only place that knows every
/// kind (DESIGN.md: the shell gets its `WebhookService` from outside).
enum Backends {
    /// The backend a command line names, for the shell.
    static func open(_ backend: CommandLineOptions.Backend) throws -> Connection {
        switch backend {
        case .memory: return try connect(.memory)
        case .store(let path): return try connect(.store(path))
        case .defaultStore:
            if let url = StorePaths.defaultPostgres { return try connect(.postgres(try PostgresLocation(parsing: url))) }
            return try local(SQLiteStore(path: StorePaths.preparedDefaultStore()), label: nil)
        case .server(let url, let apiUser): return try connect(.server(url: url, apiUser: apiUser, apiKey: try apiKey(for: apiUser)))
        }
    }

    /// For `whs serve`: an embedded store as a multi-account backend.
    static func openBackend(_ backend: CommandLineOptions.Backend) throws -> ServeCommand.ServedStore {
        switch backend {
        case .memory: return MemoryStore()
        case .store(let path): return try SQLiteStore(path: path)
        case .defaultStore, .server:
            return try SQLiteStore(path: StorePaths.preparedDefaultStore())
        }
    }

    /// The PostgreSQL store a command line names (`--store postgres://...`, or `$WHS_STORE`).
    static func postgresLocation(_ backend: CommandLineOptions.Backend) throws -> PostgresLocation? {
        switch backend {
        case .store(let text) where PostgresLocation.names(text): return try PostgresLocation(parsing: text)
        case .defaultStore: return try StorePaths.defaultPostgres.map { url throws(WebhookError) in try PostgresLocation(parsing: url) }
        default: return nil
        }
    }

    /// The key that seals app keys in a shared store: `--seal-key-file`, else `$WHS_SEAL_KEY`
    /// (64 hex digits), else the data folder's key file, made on first use (docs/SCALING.md).
    static func seal(keyFile: String?) throws -> AppKeySeal {
        if let keyFile { return try AppKeySeal.fromKeyFile(keyFile) }
        if let hex = Environment.nonEmpty("WHS_SEAL_KEY") {
            do { return try AppKeySeal(hex: hex) } catch { throw WebhookError.invalidParameter("$WHS_SEAL_KEY: \(error)") }
        }
        let path = StorePaths.sealKeyFile
        try FileIO.makeDirectories(path.parentDirectory)
        return try AppKeySeal.fromKeyFile(path)
    }

    /// A shell on a shared store: one more node while it runs, claiming deliveries like any.
    static func postgres(_ location: PostgresLocation) throws -> Connection {
        let node = "shell-\(NodeName.host)-\(getpid())"
        let shared = try PostgresShellStore.open(location, seal: try seal(keyFile: nil), node: node)
        let store = shared.store
        var connection = Connection(
            service: shared.account(), label: "whs[\(location.host):\(location.port)/\(location.database)]",
            makeEvents: {
                try LocalEventDelivery(store: shared, dispatcher: Dispatcher(store: store, node: node, lease: NodeName.defaultLease))
            },
            makeMailing: { events in
                guard let local = events as? LocalEventDelivery else { throw WebhookError.routeNotFound("this backend does not send mail") }
                return LocalMailing(store: shared, mailer: Mailer(store: store, dispatcher: local.dispatcher))
            })
        connection.makeClearing = { LocalClearing(store: shared) }
        return connection
    }

    static func connect(_ target: ConnectTarget) throws -> Connection {
        switch target {
        case .memory:
            return local(MemoryStore(), label: "whs[memory]")
        case .store(let path) where PostgresLocation.names(path):
            return try postgres(try PostgresLocation(parsing: path))
        case .store(let path):
            return try local(SQLiteStore(path: path), label: label(forStore: path))
        case .postgres(let location):
            return try postgres(location)
        case .server(let url, let apiUser, let apiKey):
            let service = try remote(url: url, apiUser: apiUser, apiKey: apiKey)
            var connection = Connection(service: service, label: "whs[\(service.remoteEndpoint!.hostAndPort)]",
                                        makeEvents: { RemoteEventDelivery(remote: service) },
                                        makeMailing: { _ in RemoteMailing(remote: service) })
            connection.makeClearing = { RemoteClearing(remote: service) }
            return connection
        }
    }

    /// A store in this process: the shell's account is `local`, and pushes go out from here.
    static func local<Store: DeliveryStore & MailStore & AsyncDeliveryStore & AsyncMailStore & DataClearing & LocalAccounts>(_ store: Store, label: String?) -> Connection {
        var connection = Connection(
            service: store.localAccount, label: label,
            makeEvents: { try LocalEventDelivery(store: store) },
            makeMailing: { events in
                // Mail shares the delivery side's dispatcher, so every push of this shell is in one queue.
                guard let local = events as? LocalEventDelivery else { throw WebhookError.routeNotFound("this backend does not send mail") }
                return LocalMailing(store: store, dispatcher: local.dispatcher)
            })
        connection.makeClearing = { LocalClearing(store: store) }
        return connection
    }

    /// `--ca-file`: the CA that https servers are checked against (else `$SSL_CERT_FILE`, else
    /// the system's).
    nonisolated(unsafe) static var caFile: String?

    static func remote(url: String, apiUser: String, apiKey: String) throws -> RemoteService {
        try RemoteService(baseURL: url, apiUser: apiUser, apiKey: apiKey, caFile: caFile ?? Environment.nonEmpty("SSL_CERT_FILE"),
                          isInterrupted: { Signals.isInterruptRequested })
    }

    /// `whs[team.sqlite]`: a store's prompt label is its file's name.
    static func label(forStore path: String) -> String {
        "whs[\(path.split(separator: "/").last.map(String.init) ?? path)]"
    }

    /// $WHS_API_KEY, else asked for without echo at a terminal.
    static func apiKey(for apiUser: String) throws -> String {
        if let key = Environment.nonEmpty("WHS_API_KEY") { return key }
        guard isatty(0) == 1, let key = Terminal.readSecret(prompt: "API key for \(apiUser): "), !key.isEmpty else {
            throw WebhookError.invalidParameter("no API key: set WHS_API_KEY (or run at a terminal to be asked)")
        }
        return key
    }
}

/// The stores whose `local` account the shell works in.
protocol LocalAccounts {
    var localAccount: WebhookService { get }
}

extension SQLiteStore: LocalAccounts {
    var localAccount: WebhookService { account() }
}

extension MemoryStore: LocalAccounts {
    var localAccount: WebhookService { account() }
}
