import Glibc
import ReceiverBench
import WebhookCore
import WebhookPostgres
import WebhookStore
import WhsSupport

/// `whs probe URL`: the receiver bench's battery from the command line, one line per check
/// as it ends (or one JSON document), exit 1 when any check failed (docs/DELIVERY.md).
enum ProbeCommand {
    static func run(_ probe: CommandLineOptions.Probe, backend: CommandLineOptions.Backend) -> Int32 {
        let url: String
        do { url = try BenchTools.pushURL(probe.url) } catch { fail("probe: \(error.message)", status: 2) }
        let (key, source) = BenchKey.resolve(probe.key, backend: backend, command: "probe")
        let json = probe.json
        let width = Scorecard.nameWidth
        let card = Blocking.run { () async -> Scorecard in
            await Probe(url: url, appKey: key).run(onResult: { result in
                guard !json else { return }
                // The first answer also says the URL is reachable: only then the heading.
                if result.name == ProbeBattery.firstCheckName {
                    Foreground.write(["whs probe: \(url) (key from \(source)): pushes one at a time, each answer awaited 3 s"])
                }
                Foreground.write([result.line(nameWidth: width)])
            })
        }
        if json {
            Foreground.write([card.json.text])
        } else if let unreachable = card.unreachable {
            fail("probe: cannot reach \(url): \(unreachable) (nothing was checked)", status: 1)
        } else {
            Foreground.write([card.summaryLine])
        }
        return card.failed ? 1 : 0
    }
}

/// The key pushes are signed with, for `whs probe` and `whs repush`: `--app-key`, else
/// `$WHS_APP_KEY`, else the app key of the store's account. A store is only read, never
/// made: a new store's key would be one no receiver knows.
enum BenchKey {
    static func resolve(_ option: CommandLineOptions.KeyOption, backend: CommandLineOptions.Backend, command: String) -> (key: String, source: String) {
        if let key = option.key {
            guard !key.isEmpty else { fail("\(command): \(option.source) is empty", status: 2) }
            return (key, option.source)
        }
        let location: String
        switch backend {
        case .store(let path): location = path
        default: location = StorePaths.defaultStore
        }
        do {
            if PostgresLocation.names(location) {
                let store = try PostgresShellStore.open(try PostgresLocation(parsing: location), seal: try Backends.seal(keyFile: nil),
                                                        node: "\(command)-\(NodeName.generated)")
                return (try store.appKey(account: "local"), "the store's account")
            }
            guard access(location, F_OK) == 0 else {
                fail("\(command): no app key to sign with: give --app-key KEY or $WHS_APP_KEY (the key your receiver checks), "
                     + "or --store PATH of the account whose key it checks (there is no store at \(location))", status: 2)
            }
            return (try SQLiteStore(path: location).appKey(account: "local"), "the account of \(location)")
        } catch {
            fail("\(command): cannot read the app key of \(location): \(error)", status: 1)
        }
    }
}
