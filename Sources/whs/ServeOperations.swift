import MailSandbox
import WebhookCore
import WebhookDelivery
import WebhookPostgres
import WebhookStore
import WhsShell
import WhsSupport

/// What `whs serve` does with its store around serving (docs/OPERATIONS.md): the app keys given
/// at start (`--app-key ACCOUNT:KEY`, `$WHS_APP_KEYS`, a seed's `# app key: $VAR`), the seed
/// scripts run before the port is bound (`--seed FILE.whs`), and retention while it serves
/// (`--retain`, `--retain-mails`).
struct ServeOperations {
    var appKeys: [(account: String, key: String)] = []
    var seeds: [(path: String, account: String)] = []
    var retention = RetentionPolicy()

    init() {}

    /// Reads and checks everything first, so that a bad value stops the start before the store
    /// is touched.
    init(_ options: CommandLineOptions.Serve, grants: [UserGrant]) throws(WebhookError) {
        if let text = options.retain { retention.maxAge = try RetentionPolicy.maxAge(parsing: text) }
        if let text = options.retainMails { retention.mailsPerAccount = try RetentionPolicy.mailsPerAccount(parsing: text) }
        var given: [String: String] = [:]
        func give(_ account: String, _ key: String, from origin: String) throws(WebhookError) {
            if let earlier = given[account], earlier != key {
                throw .invalidParameter("\(origin): account \(account) is given two different app keys")
            }
            if given[account] == nil { appKeys.append((account, key)) }
            given[account] = key
        }
        // As --user and $WHS_USERS: the environment keeps keys out of `ps`.
        if let list = Environment.nonEmpty("WHS_APP_KEYS") {
            for item in list.split(separator: ",") where !item.isEmpty {
                let (account, key) = try ServeOperations.appKey(String(item), origin: "$WHS_APP_KEYS")
                try give(account, key, from: "$WHS_APP_KEYS")
            }
        }
        for item in options.appKeys {
            let (account, key) = try ServeOperations.appKey(item, origin: "--app-key")
            try give(account, key, from: "--app-key")
        }
        let accounts = Array(Set(grants.map(\.account))).sorted()
        for path in options.seeds {
            let text: String
            do { text = try FileIO.read(path) } catch { throw .invalidParameter("--seed: cannot read \(error)") }
            let header = SeedScript.header(of: text)
            let account: String
            if let named = header.account {
                account = try ServeOperations.accountName(named, origin: "--seed \(path): # account:")
            } else if accounts.count == 1 {
                account = accounts[0]
            } else {
                throw .invalidParameter("--seed \(path): which account? It has no '# account: NAME' line (whs dump writes one), "
                    + "and \(accounts.isEmpty ? "no account is" : "\(accounts.count) accounts are") given with --user or $WHS_USERS")
            }
            seeds.append((path, account))
            // The dump names the variable; a key given on the command line wins over it.
            if let variable = header.appKeyVariable, given[account] == nil, let value = Environment.nonEmpty(variable) {
                try give(account, try ServeOperations.checkedKey(value, origin: "$\(variable) (--seed \(path))"), from: "--seed \(path)")
            }
        }
    }

    /// `ACCOUNT:KEY`: an account name as `--user` takes it, and 64 hex digits.
    static func appKey(_ text: String, origin: String) throws(WebhookError) -> (String, String) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 else { throw .invalidParameter("\(origin): an app key is given as ACCOUNT:KEY, got no ':'") }
        return (try accountName(parts[0], origin: origin), try checkedKey(parts[1], origin: origin))
    }

    static func accountName(_ name: String, origin: String) throws(WebhookError) -> String {
        guard !name.isEmpty, name.utf8.count <= 64, name.utf8.allSatisfy(Validation.isAPIUserByte) else {
            throw .invalidParameter("\(origin): account names are 1 to 64 of letters, digits and _ . @ -, got \(Validation.quoted(String(name.prefix(70))))")
        }
        return name
    }

    /// 64 hex digits, as whs makes them (`openssl rand -hex 32`), kept in lower case. The key
    /// itself is never in the message.
    static func checkedKey(_ key: String, origin: String) throws(WebhookError) -> String {
        guard key.utf8.count == 64, Hex.decode(key) != nil else {
            throw .invalidParameter("\(origin): an app key is 64 hex digits (openssl rand -hex 32), got \(key.utf8.count) characters")
        }
        return key.lowercased()
    }

    func giveAppKeys(_ store: any AsyncDataClearing) throws(WebhookError) {
        let keys = appKeys
        try Blocking.run { () async throws(WebhookError) in
            for (account, key) in keys { try await store.setAppKey(account: account, key) }
        }
    }

    /// Runs every seed script, in order, under the store's seed lock (nodes of one PostgreSQL
    /// database that start together seed one at a time; the later ones find nothing to do).
    /// Returns the start-up lines; a script that fails throws its file, line and reason.
    func seed(_ store: ServeCommand.ServedStore, dispatcher: Dispatcher) throws(WebhookError) -> [String] {
        guard !seeds.isEmpty else { return [] }
        guard let clearing = store as? any AsyncDataClearing else { throw .invalidParameter("--seed: this store cannot be seeded") }
        let lock = try Blocking.run { () async throws(WebhookError) in try await clearing.hold(.seed, waiting: true) }
        defer { if let lock { Blocking.run { () async in await lock.release() } } }
        var lines: [String] = []
        for (path, account) in seeds {
            let (local, service) = try ServeOperations.local(store, account: account)
            let out = OutputSink(capturing: ())
            let err = OutputSink(capturing: ())
            let shell = Shell(service: service, out: out, err: err)
            shell.makeEvents = { SeedEvents(dispatcher: dispatcher, account: account) }
            shell.makeMailing = { _ in
                SeedMailing(LocalMailing(store: local, mailer: Mailer(store: store, dispatcher: dispatcher), account: account))
            }
            shell.makeClearing = { LocalClearing(store: local, account: account) }
            guard shell.runFile(path) == 0 else {
                let why = (err.captured ?? "").split(separator: "\n").first.map(String.init) ?? "it failed"
                throw .invalidParameter("--seed: \(why) (the node does not start half-seeded: fix the script and start it again)")
            }
            lines.append("seeded account \(account) from \(path)")
        }
        return lines
    }

    /// The synchronous store the shell's interpreter runs a seed on, and the account's webhooks.
    static func local(_ store: ServeCommand.ServedStore, account: String) throws(WebhookError)
        -> (any DeliveryStore & MailStore & DataClearing, WebhookService) {
        if let sqlite = store as? SQLiteStore { return (sqlite, sqlite.account(account)) }
        if let memory = store as? MemoryStore { return (memory, memory.account(account)) }
        if let postgres = store as? PostgresStore {
            let shell = PostgresShellStore(postgres)
            return (shell, shell.account(account))
        }
        throw .invalidParameter("--seed: this store cannot be seeded")
    }

    /// Prunes while the node serves; each pass that deleted something is reported.
    func startRetention(_ store: ServeCommand.ServedStore, report: @escaping @Sendable (String) -> Void) {
        guard !retention.isEmpty, let clearing = store as? any AsyncDataClearing else { return }
        Pruner(store: clearing, policy: retention) { pruned in
            var parts: [String] = []
            if pruned.mails > 0 { parts.append("\(pruned.mails) mail\(pruned.mails == 1 ? "" : "s")") }
            if pruned.deliveries > 0 { parts.append("\(pruned.deliveries) deliver\(pruned.deliveries == 1 ? "y" : "ies")") }
            if pruned.requestIDs > 0 { parts.append("\(pruned.requestIDs) request id\(pruned.requestIDs == 1 ? "" : "s")") }
            report("pruned " + parts.joined(separator: ", "))
        }.start()
    }
}

/// A seed sets up webhooks and templates: it does not fire events, send or read the logs (it
/// runs on every start, before the node's dispatcher resumes its own work). `app_key` and a
/// `reset` work.
final class SeedEvents: EventDelivery {
    let dispatcher: Dispatcher
    let account: String

    init(dispatcher: Dispatcher, account: String) {
        self.dispatcher = dispatcher
        self.account = account
    }

    var unsettledCount: Int { 0 }

    func trigger(_ trigger: EventTrigger, wait: DeliveryWait?) throws(WebhookError) -> JSON { throw refusal }
    func deliveries(_ query: DeliveryQuery) throws(WebhookError) -> JSON { throw refusal }
    func redeliver(id: Int, wait: DeliveryWait?) throws(WebhookError) -> JSON { throw refusal }
    func payload(_ trigger: EventTrigger) throws(WebhookError) -> JSON { throw refusal }

    func appKey() throws(WebhookError) -> String {
        let (dispatcher, account) = (self.dispatcher, self.account)
        return try Blocking.run { () async throws(WebhookError) in try await dispatcher.appKey(account: account) }
    }

    func deliveriesCancelled(_ cleared: ClearedCounts) {
        dispatcher.deliveriesCancelled(account: account, through: cleared.cancelledThrough)
    }

    var refusal: WebhookError { SeedEvents.refusal }

    static let refusal = WebhookError.invalidParameter("a seed script sets up webhooks and templates: it does not fire events, send or read the logs")
}

/// A seed's templates; the rest of the sending side is refused (`SeedEvents`).
final class SeedMailing: Mailing {
    let templating: LocalMailing

    init(_ templating: LocalMailing) { self.templating = templating }

    var eventDelay = 0.0

    func putTemplate(name: String, subject: String, html: String, text: String) throws(WebhookError) -> JSON {
        try templating.putTemplate(name: name, subject: subject, html: html, text: text)
    }
    func templates() throws(WebhookError) -> JSON { try templating.templates() }
    func template(name: String) throws(WebhookError) -> JSON { try templating.template(name: name) }
    func deleteTemplate(name: String) throws(WebhookError) -> JSON { try templating.deleteTemplate(name: name) }
    func send(_ body: JSON, route: MailRoute, apiUser: String?, wait: DeliveryWait?) throws(WebhookError) -> JSON { throw SeedEvents.refusal }
    func mails(_ query: MailQuery) throws(WebhookError) -> JSON { throw SeedEvents.refusal }
    func mail(_ id: String) throws(WebhookError) -> JSON { throw SeedEvents.refusal }
    func engage(_ id: String, event: EventType, url: String?, wait: DeliveryWait?) throws(WebhookError) -> JSON { throw SeedEvents.refusal }
    func payload(_ id: String, event: EventType, url: String?) throws(WebhookError) -> JSON { throw SeedEvents.refusal }
}
