import Glibc
import WebhookCore
import WebhookPostgres
import WebhookStore
import WhsShell
import WhsSupport

/// `whs dump [--account NAME] [--store PATH]`: one account's webhooks and templates as a `.whs`
/// script on stdout (SeedScript; docs/OPERATIONS.md, "Dump and seed"). Users, API keys and
/// the app key are not in it: keys are kept hashed or sealed, and the script names the
/// variable the app key comes from instead.
enum DumpCommand {
    static func run(account named: String?, backend: CommandLineOptions.Backend) -> Int32 {
        do {
            let source: (store: any DataClearing & MailStore, account: (String) -> WebhookService, label: String)
            if let location = try Backends.postgresLocation(backend) {
                let shared = try PostgresShellStore.open(location, seal: try Backends.seal(keyFile: nil), node: "dump-\(NodeName.host)-\(getpid())")
                source = (shared, { shared.account($0) }, location.description)
            } else {
                switch backend {
                case .server:
                    throw WebhookError.invalidParameter("dump reads a store (--store PATH or postgres://...), not a server")
                case .memory:
                    let memory = MemoryStore()
                    source = (memory, { memory.account($0) }, "memory")
                case .store(let path):
                    guard access(path, F_OK) == 0 else { throw WebhookError.invalidParameter("no store at \(path)") }
                    let sqlite = try SQLiteStore(path: path)
                    source = (sqlite, { sqlite.account($0) }, path)
                case .defaultStore:
                    let sqlite = try SQLiteStore(path: StorePaths.preparedDefaultStore())
                    source = (sqlite, { sqlite.account($0) }, sqlite.path)
                }
            }
            let account = try named ?? onlyAccount(try source.store.accountsWithSettings())
            let service = source.account(account)
            var webhooks: [Webhook] = []
            while true {
                let page = try service.list(WebhookQuery(offset: webhooks.count, limit: WebhookQuery.maxLimit))
                webhooks += page.webhooks
                if page.webhooks.isEmpty || webhooks.count >= page.total { break }
            }
            let templates = try source.store.templates(account: account)
            let out = OutputSink(descriptor: 1)
            out.write(SeedScript.dump(account: account, webhooks: webhooks, templates: templates, source: source.label, at: Clock.now()))
            out.flush()
            return 0
        } catch {
            // A question the command line must answer (which account, which store) is a 2.
            if case .invalidParameter? = error as? WebhookError { fail("dump: \(error)", status: 2) }
            fail("dump: \(error)", status: 1)
        }
    }

    /// The store's only account with webhooks or templates; the shell's `local` when none has.
    static func onlyAccount(_ accounts: [String]) throws(WebhookError) -> String {
        switch accounts.count {
        case 0: return "local"
        case 1: return accounts[0]
        default: throw .invalidParameter("the store has \(accounts.count) accounts (\(accounts.joined(separator: ", "))): name one with --account NAME")
        }
    }
}
