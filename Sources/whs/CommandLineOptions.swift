import WhsSupport

/// The command line of docs/CLI.md, parsed from the table in CommandLineTable.swift by a loop
/// of our own: it keeps swift-argument-parser's start-up cost (about 8 ms here) off every
/// `whs -c` in a CI loop.
struct CommandLineOptions: Equatable {
    enum Backend: Equatable {
        case defaultStore
        case store(String)
        case memory
        /// `--url URL --api-user NAME`; the key comes from $WHS_API_KEY or the terminal.
        case server(url: String, apiUser: String)
    }

    /// `whs serve ...`
    struct Serve: Equatable {
        var host = "127.0.0.1"
        var port = 8080
        var users: [String] = []
        var quiet = false
        /// `--retry-delays 0.2,0.5,1`; nil: the standard schedule.
        var retryDelays: String?
        /// `--event-delay 0`: seconds between the events of one sent mail.
        var eventDelay: String?
        /// `--node NAME`: the name on leases, attempts and log lines (shared stores).
        var node: String?
        /// `--lease 8s`: how long a claimed delivery is this node's (shared stores).
        var lease: String?
        /// `--public`: refuse pushes to private addresses even on loopback.
        var isPublic = false
        /// `--allow-push CIDR`: private ranges a public node may push to after all.
        var allowPush: [String] = []
        /// `--seal-key-file PATH`: the key that seals app keys in a shared store.
        var sealKeyFile: String?
        /// `--signature md5|hmac-sha256`: how pushes are signed (default md5).
        var signature: String?
        /// `--time-scale N`: event and retry delays divided by N.
        var timeScale: String?
        /// `--payload-extras`: push bodies also carry the fields no public source shows.
        var payloadExtras = false
        /// `--faults duplicate=0.05,...`: a share of mails get each fault.
        var faults: String?
        /// `--late-delay 10s`: how long a `late` fault holds a mail's pushes back.
        var lateDelay: String?
        /// `--api-faults 500=0.02,latency=200ms`: send calls that fail or lag on purpose.
        var apiFaults: String?
        /// `--log-format text|json`: how log lines are written (docs/OPERATIONS.md, "Logs").
        var logFormat: String?
        /// `--metrics-token TOKEN` (or `$WHS_METRICS_TOKEN`): who may read `GET /metrics` from elsewhere.
        var metricsToken: String?
        /// `--no-metrics`: count nothing, and answer `GET /metrics` 404.
        var noMetrics = false
        /// `--no-ui`: no web inspector under `/ui` (docs/INSPECTOR.md).
        var noUI = false
        /// `--trust-proxy ADDRESS` (repeatable): a proxy whose `X-Forwarded-Proto: https` the
        /// inspector believes (its session cookie is then `Secure`).
        var trustProxies: [String] = []
        /// `--app-key ACCOUNT:KEY` (repeatable; also `$WHS_APP_KEYS`): an account's app key, given.
        var appKeys: [String] = []
        /// `--seed FILE.whs` (repeatable): scripts run before the port is bound, on every start.
        var seeds: [String] = []
        /// `--retain DURATION`: mails and settled deliveries older than that are pruned.
        var retain: String?
        /// `--retain-mails N`: each account keeps its newest N mails.
        var retainMails: String?
    }

    enum Action: Equatable {
        /// The prompt (or piped stdin when stdin is not a terminal).
        case shell
        case file(String, arguments: [String])
        case command(String)
        case help(topic: String?)
        case version
        case serve(Serve)
        /// `whs dump [--account NAME]`: an account's webhooks and templates as a seed script.
        case dump(account: String?)
        case listen(Listen)
        case probe(Probe)
        case repush(Repush)
        case play(Play)
        case check(Check)
        /// `whs completion bash|zsh|fish`
        case completion(shell: String)
        /// `whs man [language]`: nil is whs(1).
        case man(page: String?)
        /// `whs health URL`
        case health(url: String)
        /// `whs lsp`: the language server on stdin and stdout.
        case lsp
    }

    var backend = Backend.defaultStore
    /// `--ca-file PATH`: the CA an https server's certificate is checked against.
    var caFile: String?
    var json = false
    /// `--csv`: shown values as CSV (`set format csv`).
    var csv = false
    var keepGoing = false
    var echo = false
    var noInit = false
    var quiet = false
    var action = Action.shell

    struct UsageError: Error, Equatable {
        let message: String
    }

    /// Options come first; the first word that is not an option is the script, and every word
    /// after it belongs to the script (`$args`), as with `sh script.sh -x`.
    static func parse(_ words: [String]) throws(UsageError) -> CommandLineOptions {
        var options = try parseWords(words)
        if case .server(let url, _) = options.backend {
            guard let apiUser = options.apiUser else { throw UsageError(message: "--url needs --api-user NAME") }
            options.backend = .server(url: url, apiUser: apiUser)
        } else if options.apiUser != nil {
            throw UsageError(message: "--api-user goes with --url")
        }
        return options
    }

    /// The API_USER given with --api-user, kept until --url is seen.
    var apiUser: String?

    private static func parseWords(_ words: [String]) throws(UsageError) -> CommandLineOptions {
        var options = CommandLineOptions()
        // A subcommand is the first word, or it is a script's name (`whs --memory serve`).
        // `whs -c ...` and the prompt's options do not build the subcommands' tables.
        if let first = words.first, !first.hasPrefix("-"), let subcommand = CommandLineTable.subcommand(first) {
            try subcommand.parse(Array(words.dropFirst()), &options)
            return options
        }
        var reader = FlagReader(command: nil, words: words)
        while let word = reader.next() {
            if word == "--" {
                let rest = reader.rest()
                if let script = rest.first { options.action = .file(script, arguments: Array(rest.dropFirst())) }
                return options
            }
            if reader.isFlag(word) {
                let (flag, value) = try reader.read(word, flags: CommandLineTable.options)
                switch flag.apply {
                case .target(let set): try set(&options, value)
                case .shared(let set): try set(&options, value)
                }
                if try reader.ends(at: flag.spec) { return options }
                continue
            }
            if word == "help" {  // a script named help runs as ./help or after --
                try CommandLineTable.help.parse(reader.rest(), &options)
                return options
            }
            options.action = .file(word, arguments: reader.rest())
            return options
        }
        return options
    }
}
