import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import Synchronization
import WebhookCore
import WebhookStore
import WhsSupport

/// Everything the SQLite store keeps, in one PostgreSQL database that any number of `whs serve`
/// nodes (and shells) share (docs/SCALING.md). Every call is asynchronous to the database and
/// holds nothing between calls: no cache that another node's write could make stale. The few
/// things worth remembering (authenticated callers, in the server) are forgotten when any node
/// changes accounts, which it announces with NOTIFY.
public final class PostgresStore: Sendable {
    let client: PostgresClient
    /// The hot path's connections (`pinned(_:)`); nil when their TLS settings could not be
    /// made, and then every call goes to the pool, which reports why.
    let pinned: PinnedConnections?
    /// List requests that arrive together, read in one statement (`PageBatches`).
    let pageBatches = PageBatches()
    public let location: PostgresLocation
    let seal: AppKeySeal
    /// The name on the leases this process takes and on the attempts it makes.
    public let node: String
    let listeners = Mutex<Listeners>(Listeners())
    /// Why connecting last failed, for the error of a call that timed out meanwhile.
    let failures: ConnectFailures
    /// How long a call may wait for the database before it answers 503: a node must answer
    /// within its clients' timeouts even while the database is away.
    static let callTimeout: Duration = .seconds(5)
    /// How long opening the store may wait for its migrations, once the database answered: no
    /// client waits on a node that is starting, and another node may hold the migration lock
    /// while it upgrades a large log.
    static let migrationTimeout: Duration = .seconds(60)
    static let deadlines = CallDeadlines()
    static let queuedChannel = "whs_deliveries"
    static let accountsChannel = "whs_accounts"

    struct Listeners {
        var queued: [@Sendable () -> Void] = []
        var accounts: [@Sendable () -> Void] = []
        /// Told the account whose deliveries a reset cancelled (`whs_cancelled`).
        var cancelled: [@Sendable (String) -> Void] = []
    }

    /// Connects, migrates the schema (one node at a time: an advisory lock) and starts
    /// listening for other nodes' notices.
    public static func open(_ location: PostgresLocation, seal: AppKeySeal, node: String) async throws(WebhookError) -> PostgresStore {
        let store = PostgresStore(location: location, seal: seal, node: node)
        // Reached within a call's deadline (a wrong address or an untrusted certificate fails
        // as fast as before, with its reason); then the migrations, within theirs.
        try await store.checkHealth()
        try await store.call(within: migrationTimeout) { client in try await PostgresSchema.migrate(client, node: node) }
        store.listen()
        return store
    }

    private init(location: PostgresLocation, seal: AppKeySeal, node: String) {
        var configuration = PostgresClient.Configuration(host: location.host, port: location.port, username: location.user,
                                                         password: location.password, database: location.database,
                                                         tls: PostgresStore.tls(location))
        configuration.options.connectTimeout = .seconds(2)
        configuration.options.maximumConnections = 16
        configuration.options.keepAliveBehavior = .init(frequency: .seconds(10))
        let failures = ConnectFailures()
        self.failures = failures
        pinned = (try? PinnedConnections.configuration(location)).map { PinnedConnections(configuration: $0, timeout: PostgresStore.callTimeout) }
        client = PostgresClient(configuration: configuration, backgroundLogger: failures.logger())
        self.location = location
        self.seal = seal
        self.node = node
        let client = self.client
        Task(executorPreference: PostgresStore.background) { await client.run() }
    }

    /// The connection pool's own work runs here, so that it goes on whatever the callers'
    /// threads are doing (a shell or a test waiting with `Blocking`).
    static let background = DedicatedThreadExecutor()

    /// `?sslmode=` as libpq reads it: `require` encrypts without checking the certificate,
    /// `verify-full` checks it against the system's CAs (or `sslrootcert`) and the host name.
    static func tls(_ location: PostgresLocation) -> PostgresClient.Configuration.TLS {
        tlsSettings(location).map { .require($0) } ?? .disable
    }

    /// The TLS settings of `tls(_:)`, nil for none: the pinned connections make theirs from it.
    static func tlsSettings(_ location: PostgresLocation) -> TLSConfiguration? {
        switch location.tls {
        case .disable:
            return nil
        case .require:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            return configuration
        case .verifyFull:
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let root = location.rootCertificate { configuration.trustRoots = .file(root) }
            return configuration
        }
    }

    /// The driver logs nothing: its messages could carry connection details.
    static let quiet = Logger(label: "whs.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    public var description: String { "store \(location)" }

    /// Runs `body` against the database within `timeout` (`callTimeout` unless said); its
    /// failures become the API's errors: 503 while the database cannot be reached, else a
    /// storage error in words that carry no credentials and no query.
    func call<T: Sendable>(within timeout: Duration = callTimeout,
                           _ body: @escaping @Sendable (PostgresClient) async throws -> T) async throws(WebhookError) -> T {
        let client = self.client
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await body(client) }
                group.addTask {
                    await PostgresStore.deadlines.wait(until: .now + timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let value = first else {
                    let why = failures.lastReason.map { ": \($0)" } ?? ""
                    throw WebhookError.unreachable("the database did not answer within \(timeout.components.seconds) s (\(location))\(why)")
                }
                failures.clear()
                return value
            }
        } catch let error as WebhookError {
            throw error
        } catch {
            throw PostgresStore.described(error, location)
        }
    }

    /// `call` inside one transaction.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws(WebhookError) -> T {
        try await call { client in try await client.withTransaction(logger: PostgresStore.quiet) { try await body($0) } }
    }

    static func described(_ error: any Error, _ location: PostgresLocation) -> WebhookError {
        if let transaction = error as? PostgresTransactionError,
           let cause = transaction.closureError ?? transaction.beginError ?? transaction.commitError {
            return described(cause, location)
        }
        if let webhook = error as? WebhookError { return webhook }
        if error is CancellationError { return .unreachable("the database did not answer (\(location))") }
        guard let psql = error as? PSQLError else { return .unreachable("the database is unreachable (\(location))") }
        if psql.code == .sslUnsupported {
            return .unreachable("the database does not speak TLS, and the URL asks for it (\(location))")
        }
        if let underlying = psql.underlying, underlying is NIOSSLError || String(describing: underlying).contains("CERTIFICATE_VERIFY_FAILED") {
            return .unreachable("TLS to the database failed: its certificate is not trusted (sslrootcert=PATH names the CA) (\(location))")
        }
        if psql.code == .server, let state = psql.serverInfo?[.sqlState] {
            // The connection ended, or too many clients (53300): the database is away, not the
            // request wrong.
            if endsConnection(sqlState: state) || state == "53300" {
                return .unreachable("the database is unavailable (\(location)): \(psql.serverInfo?[.message] ?? state)")
            }
            return .storage("\(psql.serverInfo?[.message] ?? "error") (SQLSTATE \(state))")
        }
        if psql.code == .server { return .storage("the database refused the query") }
        return .unreachable("the database is unreachable (\(location))")
    }

    /// True when `error` is a unique-constraint violation.
    static func isUniqueViolation(_ error: any Error) -> Bool {
        (error as? PSQLError)?.serverInfo?[.sqlState] == "23505"
    }

    // MARK: notices between nodes

    /// Keeps one connection listening on both channels; reconnects after the database comes
    /// back, and then calls every listener once, since notices sent meanwhile were lost.
    func listen() {
        let client = self.client
        Task(executorPreference: PostgresStore.background) { [weak self] in
            var missed = false
            while self != nil {
                do {
                    try await client.withConnection { connection in
                        // Notices sent while this node had no connection were lost: act once as if
                        // each had come (the claim loop looks, callers are authenticated anew).
                        if missed { self?.announce(queued: true, accounts: true) }
                        missed = true
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            group.addTask {
                                try await connection.listen(on: PostgresStore.queuedChannel) { notices in
                                    for try await _ in notices { self?.announce(queued: true, accounts: false) }
                                }
                            }
                            group.addTask {
                                try await connection.listen(on: PostgresStore.accountsChannel) { notices in
                                    for try await _ in notices { self?.announce(queued: false, accounts: true) }
                                }
                            }
                            group.addTask {
                                try await connection.listen(on: PostgresStore.cancelledChannel) { notices in
                                    for try await notice in notices {
                                        for action in self?.listeners.withLock({ $0.cancelled }) ?? [] { action(notice.payload) }
                                    }
                                }
                            }
                            try await group.next()
                            group.cancelAll()
                        }
                    }
                } catch {}
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    func announce(queued: Bool, accounts: Bool) {
        let actions = listeners.withLock { ($0.queued, $0.accounts) }
        if queued { for action in actions.0 { action() } }
        if accounts { for action in actions.1 { action() } }
    }

    public func onAccountsChanged(_ action: @escaping @Sendable () -> Void) {
        listeners.withLock { $0.accounts.append(action) }
    }

    public func onDeliveriesQueued(_ action: @escaping @Sendable () -> Void) {
        listeners.withLock { $0.queued.append(action) }
    }

    public func checkHealth() async throws(WebhookError) {
        try await call { client in _ = try await client.query("SELECT 1", logger: PostgresStore.quiet) }
    }
}

extension ByteBuffer {
    var bytes: [UInt8] { Array(readableBytesView) }
}
