import WhsSupport

/// The command line of docs/CLI.md, parsed by hand: it is small, and a hand parser keeps
/// swift-argument-parser's start-up cost (about 8 ms here) off every `whs -c` in a CI loop.
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
    }

    enum Action: Equatable {
        /// The prompt (or piped stdin when stdin is not a terminal).
        case shell
        case file(String, arguments: [String])
        case command(String)
        case help(topic: String?)
        case version
        case serve(Serve)
        case listen(Listen)
        case probe(Probe)
        case repush(Repush)
        case play(Play)
        case check(Check)
    }

    var backend = Backend.defaultStore
    /// `--ca-file PATH`: the CA an https server's certificate is checked against.
    var caFile: String?
    var json = false
    var keepGoing = false
    var echo = false
    var noInit = false
    var quiet = false
    var action = Action.shell

    struct UsageError: Error, Equatable {
        let message: String
    }

    static let usage = """
        usage: whs [OPTIONS]                     interactive shell (reads a script from stdin when piped)
               whs [OPTIONS] FILE.whs [ARG...]   run a script; ARGs are $args
               whs [OPTIONS] -c 'STATEMENTS'     run statements
               whs help [COMMAND]                the commands, or one command
               whs serve [--host H] [--port N] [--store PATH | --memory] [--user ACCOUNT:API_USER:API_KEY]...
                                                 the webhook API over HTTP (users also from $WHS_USERS)
               whs listen [--port 8088] [--app-key KEY] [--respond STATUS] [--json] ...
                                                 receive webhook pushes and print each one
                                                 (--forward-to URL: pass them on; --save FILE: keep them)
               whs probe URL [--app-key KEY] [--json]
                                                 grade a webhook receiver (pass/warn/fail per check)
               whs repush FILE URL [--app-key KEY]
                                                 push saved pushes again, signed now
               whs play FILE [--pace MS] [--step] [--cast OUT.cast]
                                                 replay a script as if typed, with its captions
               whs check [--update] FILE...      compare each statement's output with its #=> lines
               whs --version

        options:
          --store PATH      the SQLite store (default: $WHS_STORE, else $XDG_DATA_HOME/whs/store.sqlite,
                            else ~/.local/share/whs/store.sqlite); created on first use; or a
                            shared PostgreSQL store, postgres://USER:PASSWORD@HOST:PORT/DB
          --memory          a throwaway in-memory store
          --url URL         a server instead of a store (with --api-user; the key from $WHS_API_KEY,
                            or asked for at a terminal)
          --api-user NAME   the API_USER to authenticate as
          --ca-file PATH    trust this CA (PEM) for an https --url, instead of $SSL_CERT_FILE or
                            the system's
          --json            JSON output: one document per shown value
          --keep-going      in scripts, report errors and go on (the exit status is the first failure's)
          -x, --echo        print each statement before its output
          --no-init         skip the init script ($XDG_CONFIG_HOME/whs/init.whs)
          -q, --quiet       no banner at the prompt
          -h, --help        this text

        exit status: 0 success, 1 a statement failed, 2 a syntax error or bad command line,
        3 an assertion failed, or the code given to exit.
        """

    static let serveUsage = """
        usage: whs serve [--host 127.0.0.1] [--port 8080] [--store PATH | --store postgres://... | --memory]
                         [--user ACCOUNT:API_USER:API_KEY]... [--retry-delays 5,30,120 | production]
                         [--event-delay 0.2] [--node NAME] [--lease 8s] [--seal-key-file PATH]
                         [--public] [--allow-push CIDR]... [--quiet]
                         [--signature md5|hmac-sha256] [--time-scale N] [--payload-extras]
                         [--faults duplicate=0.05,reorder=0.05] [--late-delay 10s]
                         [--api-faults 500=0.02,latency=200ms]

        Serves the webhook API over HTTP until SIGINT or SIGTERM. Each --user adds an API_USER
        with its key to an account; $WHS_USERS takes the same, comma separated, out of sight of
        `ps`. --port 0 picks a free port; the first line printed names the address, the next
        ones each account's app key (it signs the account's event pushes). One log line per
        request goes to stderr unless --quiet. Events triggered with POST /v1/events are pushed
        with retries after the --retry-delays (seconds; default 5,30,120,600,1800,3600,7200);
        pushes still pending in the store resume at start. Mail sent with POST /v1/mail/send
        (docs/SENDING.md) lives its events --event-delay seconds apart (default 0.2).

        Several nodes share one PostgreSQL database (docs/SCALING.md): --store
        postgres://USER:PASSWORD@HOST:PORT/DB, or $WHS_STORE. Each node claims due deliveries
        for --lease (default 8s) under its --node name (default HOST-PID); app keys are sealed
        with the key in --seal-key-file, else $WHS_SEAL_KEY (64 hex digits), else
        $XDG_DATA_HOME/whs/postgres-seal.key, made on first use: every node needs the same one.
        GET /v1/health answers 200 while the store answers, 503 when not.

        Fidelity (docs/FIDELITY.md): pushes are signed md5(timestamp + "email" + app key), as
        EngageLab's "Learn about WebHook" page says and production sends; --signature
        hmac-sha256 signs as the "WebHook" page's tip says. Only 200 and 204 count as received.
        --retry-delays production is the platform's schedule (3m,10m,30m,1h,6h,12h,24h);
        --time-scale N divides event and retry delays by N (3600: an hour a second), not the 3 s
        answer deadline. Push bodies carry only fields a public source shows; --payload-extras
        adds sample engagement details (ip, browser, os, a click's url) and smtp details.

        Faults on demand (docs/SENDING.md): --faults gives a share of mails a duplicate push,
        reversed order, a late delivery (--late-delay, default 10s) or an extra push signed
        wrong (duplicate, reorder, late, badsig), as the +dup, +reorder, +late and +badsig
        address tags do for one mail; --api-faults answers a share of send calls with an error
        status (and nothing sent) and adds latency to every send call.

        Bound to an address other than loopback, or with --public, a node refuses to push to
        loopback, private and link-local addresses, except the ranges --allow-push names
        (e.g. --allow-push 10.1.0.0/16).
        """

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
        var index = 0
        func value(for flag: String) throws(UsageError) -> String {
            index += 1
            guard index < words.count else { throw UsageError(message: "\(flag) needs a value") }
            return words[index]
        }
        var sawBackend: String?
        var url: String?
        var apiUser: String?
        func setBackend(_ backend: Backend, _ flag: String) throws(UsageError) {
            if let earlier = sawBackend, earlier != flag { throw UsageError(message: "\(earlier) and \(flag) cannot be used together") }
            sawBackend = flag
            options.backend = backend
        }
        while index < words.count {
            var word = words[index]
            var inlineValue: String?
            if word.hasPrefix("--"), let equals = word.firstIndex(of: "=") {
                inlineValue = String(word[word.index(after: equals)...])
                word = String(word[..<equals])
            }
            func argument() throws(UsageError) -> String {
                if let inlineValue { return inlineValue }
                return try value(for: word)
            }
            switch word {
            case "--store": try setBackend(.store(try argument()), "--store")
            case "--memory": try setBackend(.memory, "--memory")
            case "--url": url = try argument(); try setBackend(.server(url: url!, apiUser: apiUser ?? ""), "--url")
            case "--api-user": apiUser = try argument(); options.apiUser = apiUser
            case "--ca-file": options.caFile = try argument()
            case "serve" where index == 0:
                let serve = try parseServe(Array(words.dropFirst()), &options)
                if options.action == .shell { options.action = .serve(serve) }  // not when it asked for --help
                return options
            case "listen" where index == 0:
                let listen = try parseListen(Array(words.dropFirst()), &options)
                if options.action == .shell { options.action = .listen(listen) }
                return options
            case "probe" where index == 0:
                let probe = try parseProbe(Array(words.dropFirst()), &options)
                if options.action == .shell { options.action = .probe(probe) }
                return options
            case "repush" where index == 0:
                let repush = try parseRepush(Array(words.dropFirst()), &options)
                if options.action == .shell { options.action = .repush(repush) }
                return options
            case "play" where index == 0:
                let play = try parsePlay(Array(words.dropFirst()), &options)
                if options.action == .shell { options.action = .play(play) }
                return options
            case "check" where index == 0:
                let check = try parseCheck(Array(words.dropFirst()), &options)
                if options.action == .shell { options.action = .check(check) }
                return options
            case "--json": options.json = true
            case "--keep-going": options.keepGoing = true
            case "-x", "--echo": options.echo = true
            case "--no-init": options.noInit = true
            case "-q", "--quiet": options.quiet = true
            case "-h", "--help": options.action = .help(topic: nil); return options
            case "--version": options.action = .version; return options
            case "-c":
                options.action = .command(try value(for: "-c"))
                if index + 1 < words.count {
                    throw UsageError(message: "unexpected '\(words[index + 1])' after -c 'STATEMENTS' (options go before -c)")
                }
                return options
            case "--":
                if index + 1 < words.count {
                    options.action = .file(words[index + 1], arguments: Array(words[(index + 2)...]))
                }
                return options
            default:
                if word.hasPrefix("-"), word != "-" {
                    let known = ["--store", "--memory", "--url", "--api-user", "--ca-file", "--json", "--keep-going", "--echo", "--no-init", "--quiet", "--help", "--version"]
                    let hint = Suggestion.hint(for: word, in: known)
                    throw UsageError(message: "unknown option '\(word)'\(hint)")
                }
                if word == "help" {  // a script named help runs as ./help or after --
                    options.action = .help(topic: index + 1 < words.count ? words[index + 1] : nil)
                    return options
                }
                options.action = .file(word, arguments: Array(words[(index + 1)...]))
                return options
            }
            if inlineValue != nil, !["--store", "--url", "--api-user", "--ca-file"].contains(word) {
                throw UsageError(message: "\(word) takes no value")
            }
            index += 1
        }
        return options
    }
}

extension CommandLineOptions {
    /// `whs serve [--host H] [--port N] [--store PATH | --memory] [--user A:U:K]... [--quiet]`
    static func parseServe(_ words: [String], _ options: inout CommandLineOptions) throws(UsageError) -> Serve {
        var serve = Serve()
        var reader = OptionWords("serve", words)
        var sawBackend = false
        while let word = reader.next() {
            switch word {
            case "--host": serve.host = try reader.value(for: word)
            case "--port": serve.port = try reader.number(for: word, in: 0...65535)
            case "--retry-delays": serve.retryDelays = try reader.value(for: word)
            case "--event-delay": serve.eventDelay = try reader.value(for: word)
            case "--store", "--memory":
                if sawBackend { throw UsageError(message: "serve: --store and --memory cannot be used together") }
                sawBackend = true
                options.backend = word == "--memory" ? .memory : .store(try reader.value(for: word))
            case "--user": serve.users.append(try reader.value(for: word))
            case "--node": serve.node = try reader.value(for: word)
            case "--lease": serve.lease = try reader.value(for: word)
            case "--public": serve.isPublic = true
            case "--allow-push": serve.allowPush.append(try reader.value(for: word))
            case "--seal-key-file": serve.sealKeyFile = try reader.value(for: word)
            case "--signature": serve.signature = try reader.value(for: word)
            case "--time-scale": serve.timeScale = try reader.value(for: word)
            case "--payload-extras": serve.payloadExtras = true
            case "--faults": serve.faults = try reader.value(for: word)
            case "--late-delay": serve.lateDelay = try reader.value(for: word)
            case "--api-faults": serve.apiFaults = try reader.value(for: word)
            case "-q", "--quiet": serve.quiet = true
            case "-h", "--help": options.action = .help(topic: "serve"); return serve
            default:
                throw reader.unknown(word, known: ["--host", "--port", "--store", "--memory", "--user", "--retry-delays", "--event-delay",
                                                   "--node", "--lease", "--public", "--allow-push", "--seal-key-file", "--quiet",
                                                   "--signature", "--time-scale", "--payload-extras", "--faults", "--late-delay", "--api-faults"])
            }
        }
        return serve
    }
}

extension CommandLineOptions {
    /// `whs SUBCOMMAND --help`.
    static var subcommandUsage: [String: String] {
        ["serve": serveUsage, "listen": listenUsage, "probe": probeUsage, "repush": repushUsage, "play": playUsage, "check": checkUsage]
    }

    /// The words after a subcommand, read an option at a time.
    struct OptionWords {
        let command: String
        let words: [String]
        private var index = -1

        init(_ command: String, _ words: [String]) {
            self.command = command
            self.words = words
        }

        /// The next word, or nil at the end.
        mutating func next() -> String? {
            index += 1
            return index < words.count ? words[index] : nil
        }

        /// The word after the option `flag`.
        mutating func value(for flag: String) throws(UsageError) -> String {
            guard let word = next() else { throw UsageError(message: "\(command): \(flag) needs a value") }
            return word
        }

        /// An integer in `range` after the option `flag`.
        mutating func number(for flag: String, in range: ClosedRange<Int>, unit: String = "") throws(UsageError) -> Int {
            let text = try value(for: flag)
            guard let number = Int(text), range.contains(number) else {
                throw UsageError(message: "\(command): \(flag) must be \(unit)\(range.lowerBound) to \(range.upperBound), got '\(text)'")
            }
            return number
        }

        func unknown(_ word: String, known: [String]) -> UsageError {
            UsageError(message: "\(command): unknown option '\(word)'\(Suggestion.hint(for: word, in: known))")
        }
    }
}
