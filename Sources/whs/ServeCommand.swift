import MailSandbox
import WebhookCore
import WebhookDelivery
import WebhookHTTP
import WebhookPostgres
import WebhookStore
import WhsInspector
import WhsObservability
import WhsShell
import WhsSupport

/// `whs serve`: open the store, add the users given, serve until SIGINT or SIGTERM.
enum ServeCommand {
    /// The store a node serves from, with its dispatcher's way of sharing work.
    typealias ServedStore = any AsyncWebhookBackend & AsyncDeliveryStore & AsyncMailStore & AsyncDataClearing

    static func run(_ options: CommandLineOptions.Serve, backend: CommandLineOptions.Backend) -> Int32 {
        let node = options.node ?? NodeName.generated
        let logFormat: LogFormat
        switch LogFormat.named(options.logFormat ?? LogFormat.text.rawValue) {
        case .success(let format): logFormat = format
        case .failure(let error): fail("serve: \(error)", status: 2)
        }
        let log = ServeLog(format: logFormat, node: node)
        let metrics = options.noMetrics ? nil : Metrics(node: node, started: Clock.now())
        let store: ServedStore
        let dispatcher: Dispatcher
        var eventDelay = Mailer.defaultEventDelay
        var grants: [UserGrant] = []
        var appKeys: [(account: String, key: String)] = []
        let resumed: Int
        let shared: Bool
        var faults = FaultRates()
        var apiFaults = APIFaults()
        // App keys given, seeds and retention (ServeOperations.swift, docs/OPERATIONS.md).
        var operations = ServeOperations()
        var seeded: [String] = []
        do {
            var schedule = RetrySchedule.standard
            if let text = options.retryDelays {
                do { schedule = try RetrySchedule(parsing: text) } catch { throw WebhookError.invalidParameter("--retry-delays: \(error)") }
            }
            if let text = options.eventDelay {
                guard let seconds = Double(text), seconds >= 0, seconds <= 3600 else {
                    throw WebhookError.invalidParameter("--event-delay must be seconds from 0 to 3600, got \(Validation.quoted(text))")
                }
                eventDelay = seconds
            }
            var lease = NodeName.defaultLease
            if let text = options.lease {
                guard let seconds = DurationText.seconds(text), seconds >= 5, seconds <= 3600 else {
                    throw WebhookError.invalidParameter("--lease must be a duration from 5s to 1h (an attempt takes up to 3 s), got \(Validation.quoted(text))")
                }
                lease = seconds
            }
            let policy = try pushPolicy(options)
            var push = PushOptions()
            push.schedule = schedule
            push.payloadExtras = options.payloadExtras
            if let text = options.signature { push.signature = try flag("--signature") { () throws(WebhookError) in try SignatureForm.scheme(named: text) } }
            if let text = options.timeScale { push.timeScale = try flag("--time-scale") { () throws(WebhookError) in try PushOptions.timeScale(parsing: text) } }
            if let text = options.faults { faults = try flag("--faults") { () throws(WebhookError) in try FaultRates(parsing: text) } }
            if let text = options.lateDelay {
                guard let seconds = DurationText.seconds(text), seconds >= 0, seconds <= 3600 else {
                    throw WebhookError.invalidParameter("--late-delay must be a duration from 0 to 1h, got \(Validation.quoted(text))")
                }
                faults.lateDelay = seconds
            }
            if let text = options.apiFaults { apiFaults = try flag("--api-faults") { () throws(WebhookError) in try APIFaults(parsing: text) } }
            if let location = try Backends.postgresLocation(backend) {
                let seal = try Backends.seal(keyFile: options.sealKeyFile)
                let postgres = try Blocking.run { () async throws(WebhookError) in try await PostgresStore.open(location, seal: seal, node: node) }
                store = postgres
                dispatcher = Dispatcher(store: postgres, node: node, lease: lease, schedule: schedule, pushPolicy: policy, metrics: metrics)
                dispatcher.options = push
                shared = true
            } else {
                let local = try Backends.openBackend(backend)
                store = local
                dispatcher = Dispatcher(store: local, schedule: schedule, pushPolicy: policy, metrics: metrics)
                dispatcher.options = push
                shared = false
            }
            // $WHS_USERS keeps keys out of `ps`; --user is for quick local runs.
            if let fromEnvironment = Environment.nonEmpty("WHS_USERS") { grants += try UserGrant.parseList(fromEnvironment) }
            for user in options.users { grants.append(try UserGrant.parse(user)) }
            operations = try ServeOperations(options, grants: grants)
            try operations.giveAppKeys(store)
            let given = grants
            appKeys = try Blocking.run { () async throws(WebhookError) -> [(account: String, key: String)] in
                for grant in given { try await store.grant(grant) }
                var shown: Set<String> = []
                var keys: [(account: String, key: String)] = []
                for grant in given where shown.insert(grant.account).inserted {
                    keys.append((grant.account, try await store.appKey(account: grant.account)))
                }
                return keys
            }
            // Before the port is bound: a node never serves half-seeded.
            seeded = try operations.seed(store, dispatcher: dispatcher)
            resumed = try Blocking.run { () async throws(WebhookError) in try await dispatcher.resumePending() }
        } catch {
            log.fail("\(error)", status: 2)
        }
        let noUsers = grants.isEmpty
        // The keys themselves only at a terminal: under systemd or podman, stdout is a log.
        let keyLines = appKeys.map { log.appKeyLine(account: $0.account, key: $0.key, fingerprint: KeyHash.fingerprint($0.key)) }
        let refusing = dispatcher.refusesPrivateAddresses
        // What differs from production on purpose, said once at start.
        var changed: [String] = []
        let push = dispatcher.options
        if push.signature != .standard { changed.append("pushes signed \(push.signature.rawValue)") }
        if push.timeScale != 1 { changed.append("delays divided by \(RetrySchedule.format(push.timeScale))") }
        if push.payloadExtras { changed.append("payload extras on") }
        if !faults.isEmpty { changed.append("faults \(faults)") }
        if !apiFaults.isEmpty { changed.append("api faults \(apiFaults)") }
        let fidelityLine = changed.isEmpty ? nil : changed.joined(separator: "; ")
        let mailer = Mailer(store: store, dispatcher: dispatcher, eventDelay: eventDelay)
        mailer.faults = faults
        mailer.apiFaults = apiFaults
        var server = WebhookServer(backend: store, host: options.host, port: options.port, logRequests: !options.quiet,
                                   dispatcher: dispatcher, mailer: mailer, node: node, logsNode: shared)
        server.metrics = metrics
        server.metricsAccess = MetricsAccess(token: options.metricsToken ?? Environment.nonEmpty("WHS_METRICS_TOKEN"))
        server.logFormat = logFormat
        server.inspector = options.noUI ? nil : Inspector.Options(trustedProxies: options.trustProxies)
        let serving = server
        let retention = operations.retention
        let seededLines = seeded
        let quiet = options.quiet
        let started = operations
        let failure = Foreground.run {
            try await serving.run { port in
                let url = "http://\(options.host.urlHost):\(port)"
                var lines = [ServeLog.Line(message: "listening on \(url) (\(store.description))",
                                           fields: [("url", .string(url)), ("store", .string(store.description))])] + keyLines
                if shared { lines.append(.init(message: "node \(node), sharing the store's deliveries with every node on it")) }
                if refusing { lines.append(.init(message: "public: pushes to loopback, private and link-local addresses are refused\(options.allowPush.isEmpty ? "" : " (allowed: \(options.allowPush.joined(separator: ", ")))")")) }
                if let fidelity = fidelityLine { lines.append(.init(message: fidelity)) }
                if resumed > 0 { lines.append(.init(message: "resuming \(resumed) pending deliver\(resumed == 1 ? "y" : "ies")", fields: [("resuming", .int(resumed))])) }
                if noUsers { lines.append(.init(message: "no users given (--user or $WHS_USERS): only API_USERs already in the store can authenticate", level: "warning")) }
                lines += seededLines.map { ServeLog.Line(message: $0) }
                if !retention.isEmpty { lines.append(.init(message: "retention: prunes \(retention.description)")) }
                log.write(lines)
                // Once the first line named the address: a harness reads that line first.
                started.startRetention(store) { line in if !quiet { log.write([ServeLog.Line(message: line)]) } }
            }
            // Stopped: the pushes under way end and are logged before the process exits.
            await dispatcher.stop()
        }
        if let failure { log.fail(failure, status: 1) }
        return 0
    }

    /// A flag's value read by `parse`, its error prefixed with the flag.
    static func flag<T>(_ name: String, _ parse: () throws(WebhookError) -> T) throws(WebhookError) -> T {
        do { return try parse() } catch { throw .invalidParameter("\(name): \(error.message)") }
    }

    /// Public when asked, or when bound beyond loopback: a shared node must not reach the
    /// network it runs in (docs/SCALING.md).
    static func pushPolicy(_ options: CommandLineOptions.Serve) throws(WebhookError) -> PushPolicy {
        var allowed: [AddressRange] = []
        for text in options.allowPush {
            do { allowed.append(try AddressRange(parsing: text)) } catch { throw .invalidParameter("--allow-push: \(error.message)") }
        }
        let loopback = ["127.0.0.1", "localhost", "::1"].contains(options.host) || options.host.hasPrefix("127.")
        return PushPolicy(refusesPrivate: options.isPublic || !loopback, allowed: allowed)
    }
}
