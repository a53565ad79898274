import WebhookCore
import WhsObservability
import WhsSupport

/// The command line of whs, as data: every subcommand, every flag with its value and its help.
/// Parsing (CommandLineOptions), `--help` (CommandLineHelp), the completion scripts
/// (`whs completion`) and the man page (`whs man`) are all made from this table, so a flag
/// added here is parsed, documented and completed at once: one line in its subcommand's list.
enum CommandLineTable {
    /// The options of the shell, before a script, `-c` or nothing (the prompt).
    static let options: [Flag<CommandLineOptions>] = [
        .value("--store", "PATH", .store, "the store, a SQLite file or a PostgreSQL URL (the SQLite file is created with mode "
               + "0600 on first use; postgres://USER:PASSWORD@HOST:PORT/DB is shared with whs serve nodes); default: "
               + "$WHS_STORE, else $XDG_DATA_HOME/whs/store.sqlite, else ~/.local/share/whs/store.sqlite", group: "backend") { $0.backend = .store($1) },
        .on("--memory", help: "a throwaway in-memory store", group: "backend") { $0.backend = .memory },
        .value("--url", "URL", .url, "a server instead of a store (with --api-user; the key from $WHS_API_KEY, or asked for "
               + "at a terminal)", group: "backend") { $0.backend = .server(url: $1, apiUser: "") },
        .value("--api-user", "NAME", .text, "the API_USER to authenticate as at --url") { $0.apiUser = $1 },
        .value("--ca-file", "PATH", .path(suffix: nil), "trust this CA (PEM) for an https --url, instead of $SSL_CERT_FILE "
               + "or the system's") { $0.caFile = $1 },
        .on("--json", help: "JSON output: one document per shown value") { $0.json = true },
        .on("--csv", help: "CSV output (RFC 4180, a header row): as set format csv") { $0.csv = true },
        .on("--keep-going", help: "in scripts, report errors and go on (the exit status is the first failure's)") { $0.keepGoing = true },
        .on("-x", "--echo", help: "print each statement before its output") { $0.echo = true },
        .on("--no-init", help: "skip the init script ($XDG_CONFIG_HOME/whs/init.whs)") { $0.noInit = true },
        .on("-q", "--quiet", help: "no banner at the prompt") { $0.quiet = true },
        .value("-c", "STATEMENTS", .text, "run these statements, then exit (the last option)", ending: .last) { $0.action = .command($1) },
        .on("-h", "--help", help: "print the usage and the options, then exit", ending: .stop) { $0.action = .help(topic: nil) },
        .on("--version", help: "the version, the commit and the build date", ending: .stop) { $0.action = .version },
    ]

    /// The shell's own forms, before the subcommands in `whs --help`.
    static let forms: [(usage: String, summary: String)] = [
        ("whs [OPTIONS]", "interactive shell (reads a script from stdin when piped)"),
        ("whs [OPTIONS] FILE.whs [ARG...]", "run a script; ARGs are $args"),
        ("whs [OPTIONS] -c 'STATEMENTS'", "run statements"),
    ]

    /// What the man page says of whs before its options.
    static let description = """
        whs is a shell for the EngageLab Email webhook API and an emulator of it. The same
        language runs at the prompt, in -c, from piped stdin and in .whs files (whs-language(7)):
        webhooks are added, listed, triggered and received; mail is sent and its events pushed.
        The store is an embedded SQLite file that needs no set-up, a PostgreSQL database shared
        with whs serve nodes, a throwaway memory store, or a server (--url).

        Options come before the script: every word after the script's name belongs to the script
        (`whs deploy.whs --json` passes --json to the script as $args[0]). A script whose name
        starts with -, or has the name of a subcommand (help, lsp, serve...), runs as `whs -- NAME`
        or `whs ./NAME`. A flag's value may follow it or an = sign (--store=PATH). The init script
        runs only at the prompt.
        """

    static let exitStatus = "0 success, 1 a statement failed, 2 a syntax error or bad command line, "
        + "3 an assertion failed, 130 interrupted, or the code given to exit"

    /// The subcommands, in the order `whs --help` and the man page list them. `whs NAME` must be
    /// the first word; after an option, NAME is a script's name.
    static let subcommands: [Subcommand] = [help, serve, dump, listen, probe, repush, play, check, lsp, completion, man, health]

    static func subcommand(_ name: String) -> Subcommand? { subcommands.first { $0.name == name } }

    static let help = Subcommand(
        "help", operands: [Operand(name: "COMMAND", kind: .command, optional: true)],
        summary: "the commands, or one command (a subcommand or a command of the language)",
        description: """
            Without COMMAND, what whs --help prints. With the name of a subcommand, its usage
            (as whs NAME --help); with a command of the language, its usage and arguments, as
            help COMMAND at the prompt.
            """
    ) { words, options in
        // Lenient, as before the table: whatever follows the topic is ignored.
        options.action = .help(topic: words.first.map { ["-h", "--help"].contains($0) ? "help" : $0 })
    }

    static let serve = Subcommand(
        "serve", summary: "the webhook API over HTTP (users also from $WHS_USERS)",
        description: """
            Serves the webhook API over HTTP until SIGINT or SIGTERM. The first line printed names
            the address, the next ones each account's app key (it signs the account's event pushes)
            at a terminal, or only its sha256 fingerprint elsewhere (GET /v1/app_key gives it).
            Events triggered with POST /v1/events are pushed with retries after the --retry-delays;
            pushes still pending in the store resume at start. Mail sent with POST /v1/mail/send
            (docs/SENDING.md) lives its events --event-delay seconds apart.

            One log line per request goes to stderr unless --quiet; --log-format json writes every
            line, the start-up ones too, as a JSON object with the request's trace id (its
            X-Request-Id, or one made and echoed). GET /metrics is the node's page for Prometheus
            (from this machine, or from anywhere with the bearer token of --metrics-token or
            $WHS_METRICS_TOKEN); GET /v1/stream the account's activity as it happens
            (docs/OPERATIONS.md). /ui is the web inspector: a browser signs in with an API_USER
            and key and sees the account's mails, their pushes and deliveries, live
            (docs/INSPECTOR.md; --no-ui turns it off).

            Several nodes share one PostgreSQL database (docs/SCALING.md): --store
            postgres://USER:PASSWORD@HOST:PORT/DB, or $WHS_STORE. Each node claims due deliveries
            for --lease under its --node name; app keys are sealed with the key in --seal-key-file,
            else $WHS_SEAL_KEY (64 hex digits), else $XDG_DATA_HOME/whs/postgres-seal.key, made on
            first use: every node needs the same one. GET /v1/health answers 200 while the store
            answers, 503 when not (whs health asks it).

            Fidelity (docs/FIDELITY.md): pushes are signed md5(timestamp + "email" + app key), as
            EngageLab's "Learn about WebHook" page says and production sends; --signature
            hmac-sha256 signs as the "WebHook" page's tip says. Only 200 and 204 count as received.
            --retry-delays production is the platform's schedule (3m,10m,30m,1h,6h,12h,24h);
            --time-scale N divides event and retry delays by N (3600: an hour a second), not the 3 s
            answer deadline. Push bodies carry only fields a public source shows; --payload-extras
            adds sample engagement details (ip, browser, os, a click's url) and smtp details.

            Faults on demand (docs/SENDING.md): --faults gives a share of mails a duplicate push,
            reversed order, a late delivery (--late-delay) or an extra push signed wrong
            (duplicate, reorder, late, badsig), as the +dup, +reorder, +late and +badsig address
            tags do for one mail; --api-faults answers a share of send calls with an error status
            (and nothing sent) and adds latency to every send call.

            Bound to an address other than loopback, or with --public, a node refuses to push to
            loopback, private and link-local addresses, except the ranges --allow-push names.

            Operations (docs/OPERATIONS.md): each --seed script (as whs dump writes it) runs on
            every start before the port is bound, and a failure stops the start with its file,
            line and reason; --app-key ACCOUNT:KEY (or $WHS_APP_KEYS) gives an account its app key
            instead of a made one; --retain and --retain-mails prune the logs in small batches
            while the node serves. POST /v1/reset empties the caller's account.
            """,
        exitStatus: "0 stopped by SIGINT or SIGTERM, 1 the server failed while running (e.g. its port is taken), "
            + "2 a bad command line, flag value, user or store",
        start: { CommandLineOptions.Serve() },
        flags: [
            .value("--host", "127.0.0.1", .text, "the address to listen on; another than loopback makes the node public") { $0.host = $1 },
            .number("--port", "8080", 0...65535, "the port; 0 picks a free one (the first line printed names it)") { $0.port = $1 },
            .store("a SQLite file, or postgres://USER:PASSWORD@HOST:PORT/DB shared by several nodes (default: $WHS_STORE, "
                   + "else the default store)"),
            .memory("a throwaway in-memory store"),
            .value("--user", "ACCOUNT:API_USER:API_KEY", .text, "add an API_USER with its key to an account; $WHS_USERS takes "
                   + "the same, comma separated, out of sight of ps", repeats: true) { $0.users.append($1) },
            .value("--retry-delays", "5,30,120", .suggested(RetrySchedule.named.map(\.name)), "seconds or durations before each "
                   + "retry of a push, or a schedule's name: \(RetrySchedule.named.map(\.name).joined(separator: ", ")) "
                   + "(default standard, \(RetrySchedule.standard))") { $0.retryDelays = $1 },
            .value("--event-delay", "0.2", .text, "seconds between the events of one sent mail (default 0.2; tests use 0)") { $0.eventDelay = $1 },
            .value("--node", "NAME", .text, "this node's name on leases, attempts and log lines (default HOST-PID)") { $0.node = $1 },
            .value("--lease", "8s", .duration, "how long a node's claim on a delivery lasts, 5s to 1h (shared stores; default 8s)") { $0.lease = $1 },
            .value("--seal-key-file", "PATH", .path(suffix: nil), "the key that seals app keys in a shared store (else "
                   + "$WHS_SEAL_KEY, else $XDG_DATA_HOME/whs/postgres-seal.key, made on first use)") { $0.sealKeyFile = $1 },
            .on("--public", help: "refuse pushes to loopback, private and link-local addresses (implied by a --host other than loopback)") { $0.isPublic = true },
            .value("--allow-push", "CIDR", .text, "a private range a public node may push to after all (e.g. 10.1.0.0/16)", repeats: true) { $0.allowPush.append($1) },
            .value("--signature", SignatureForm.standard.rawValue, .oneOf(SignatureForm.sendable.map(\.rawValue)), "how pushes are "
                   + "signed: \(SignatureForm.sendable.map(\.rawValue).joined(separator: " or ")) (default \(SignatureForm.standard.rawValue), as production)") { $0.signature = $1 },
            .value("--time-scale", "N", .text, "divide event and retry delays by N, 1 to 1000000 (3600: an hour a second)") { $0.timeScale = $1 },
            .on("--payload-extras", help: "push bodies also carry sample engagement and smtp details no public source shows") { $0.payloadExtras = true },
            .value("--faults", "duplicate=0.05,reorder=0.05", .suggested(DeliveryFault.allCases.map { "\($0.rawValue)=0.05" }),
                   "the share of mails that get each fault: \(DeliveryFault.names), or none") { $0.faults = $1 },
            .value("--late-delay", "10s", .duration, "how long a late fault holds a mail's pushes back, 0 to 1h (default 10s)") { $0.lateDelay = $1 },
            .value("--api-faults", "500=0.02,latency=200ms", .suggested(["500=0.02", "429=0.05", "latency=200ms", "none"]),
                   "the share of send calls answered with an HTTP status from 400 to 599 (nothing sent), and latency added to every one") { $0.apiFaults = $1 },
            .on("-q", "--quiet", help: "no log line per request") { $0.quiet = true },
            .value("--log-format", "text", .oneOf(LogFormat.allCases.map(\.rawValue)), "log lines as text (default) or json, one "
                   + "object per line with the trace id (docs/OPERATIONS.md)") { $0.logFormat = $1 },
            .value("--metrics-token", "TOKEN", .text, "GET /metrics answers whoever sends Authorization: Bearer TOKEN (else "
                   + "$WHS_METRICS_TOKEN; without either, callers on this machine only)") { $0.metricsToken = $1 },
            .on("--no-metrics", help: "count nothing; GET /metrics answers 404") { $0.noMetrics = true },
            .on("--no-ui", help: "no web inspector: /ui is an unknown route like any other (docs/INSPECTOR.md)") { $0.noUI = true },
            .value("--trust-proxy", "ADDRESS", .text, "believe X-Forwarded-Proto from a proxy at this address (127.0.0.1, ::1): the "
                   + "inspector's cookie is Secure when the browser used https", repeats: true) { $0.trustProxies.append($1) },
            .value("--seed", "FILE.whs", .path(suffix: "whs"), "run this script (as whs dump writes it) on the store before "
                   + "serving, on every start; a failure stops the start (docs/OPERATIONS.md)", repeats: true) { $0.seeds.append($1) },
            .value("--app-key", "ACCOUNT:KEY", .text, "give the account this app key (64 hex digits) instead of a made one; "
                   + "$WHS_APP_KEYS takes the same, comma separated, out of sight of ps", repeats: true) { $0.appKeys.append($1) },
            .value("--retain", "DURATION", .duration, "prune mails and settled deliveries older than this (90s, 12h, 7d), "
                   + "in small batches while serving") { $0.retain = $1 },
            .value("--retain-mails", "N", .text, "keep each account's newest N mails, prune older ones") { $0.retainMails = $1 },
        ],
        finish: { serve, operands throws(CommandLineOptions.UsageError) in
            try noOperands("serve", operands)
            return .serve(serve)
        }
    )

    static let listen = Subcommand(
        "listen", summary: "receive webhook pushes and print each one (--forward-to URL: pass them on; --save FILE: keep them)",
        description: """
            Receives webhook pushes until SIGINT or SIGTERM and prints one line per push (time, event,
            message id, signature verdict, the status answered), or with --json one JSON document per
            push with its headers and body. Signatures are checked with --app-key, else $WHS_APP_KEY;
            without either they are not checked. The first line printed names the address.

            --forward-to URL passes every push on, unchanged (method, body, Content-Type and the
            X-WebHook-* headers), to your handler at URL and answers its sender with the handler's
            status and body; the line shows both (-> 200 (handler 200 in 3.1 ms)). A handler that
            does not answer makes a 502 (504 after 10 s). --save FILE appends every push to FILE as
            one JSON line (time, method, path, headers, body as received; mode 0600), for repush.
            """,
        start: { () -> CommandLineOptions.Listen in
            var listen = CommandLineOptions.Listen()
            listen.options.appKey = Environment.nonEmpty("WHS_APP_KEY")
            return listen
        },
        flags: [
            .value("--host", "127.0.0.1", .text, "the address to listen on") { $0.options.host = $1 },
            .number("--port", "8088", 0...65535, "the port; 0 picks a free one") { $0.options.port = $1 },
            .value("--app-key", "KEY", .text, "check signatures with this key (else $WHS_APP_KEY; without either they are not checked)") { $0.options.appKey = $1 },
            .number("--respond", "STATUS", 200...599, "the status every push is answered with (default 200)") { $0.options.respond = $1 },
            .number("--fail-first", "N", 0...1_000_000, "answer 500 to the first N pushes, to watch retries") { $0.options.failFirst = $1 },
            .number("--delay", "MS", 0...600_000, "wait MS milliseconds before answering, to watch timeouts") { $0.options.delayMilliseconds = $1 },
            .value("--forward-to", "URL", .url, "pass every push on to your handler at URL and answer with its answer") { $0.options.forwardTo = $1 },
            .value("--save", "FILE", .path(suffix: nil), "append every push to FILE, one JSON line each (mode 0600), for whs repush") { $0.options.saveTo = $1 },
            .on("--json", help: "one JSON document per push, with its headers and body") { $0.json = true },
        ],
        finish: { listen, operands throws(CommandLineOptions.UsageError) in
            try noOperands("listen", operands)
            if listen.options.forwardTo != nil, listen.options.respond != ListenOptions().respond || listen.options.failFirst > 0 {
                throw CommandLineOptions.UsageError(message: "listen: --forward-to answers with the handler's answer: it does not go with --respond or --fail-first")
            }
            return .listen(listen)
        }
    )

    static let probe = Subcommand(
        "probe", operands: [Operand(name: "URL", kind: .url)],
        summary: "grade a webhook receiver (pass/warn/fail per check)",
        description: """
            Grades the webhook receiver at URL: pushes a fixed battery at it, one check after
            another, each answer awaited at most 3 s, and prints one line per check (pass, warn or
            fail, and why), then the sums:
              md5 EVENT          each of the nine events signed md5 (how production signs): fail
                                 unless 200 or 204 within 3 s, warn above 1 s
              hmac-sha256 EVENT  the same nine signed the other documented way: warn if refused
              wrong signature    signed with a wrong key: fail unless refused with a 4xx
              no signature       no X-WebHook-Signature: fail unless refused with a 4xx
              stale timestamp    validly signed 3 h ago (a replay): fail unless refused with a 4xx
              same push twice    a redelivery: fail unless 200 or 204 both times
              largest custom_args, longest subject
                                 1 KB of custom_args, a 256-character subject: fail unless 200/204
            Pushes go to URL and nowhere else. The first push is also the reachability check: if
            nothing answers at URL (connection refused, no such host, no connection within 3 s)
            whs says so in one line and stops. After 3 checks in a row get no answer, the rest are
            not sent (and fail). --json prints one JSON document: {url, checks: [{name, result,
            reason, status, latency_ms}], summary: {checks, pass, warn, fail, result, seconds}}.

            The pushes are signed with --app-key, else $WHS_APP_KEY, else the app key of the store's
            account (--store PATH, else $WHS_STORE or the default store; what `app_key` shows in a
            shell on it). With none of these (no key given and no store yet) whs says so and exits 2:
            a new key would be one the receiver cannot know.
            """,
        exitStatus: "0 nothing failed (warnings allowed), 1 a check failed or URL is unreachable, 2 a bad command line or no key",
        start: { CommandLineOptions.Probe() },
        flags: [
            .value("--app-key", "KEY", .text, "sign with this key (else $WHS_APP_KEY, else the store's account's)") { $0.key.key = $1; $0.key.source = "--app-key" },
            .store("the store whose account's app key signs (it is only read)", group: nil),
            .on("--json", help: "one JSON document: the checks and the summary") { $0.json = true },
        ],
        finish: { probe, operands throws(CommandLineOptions.UsageError) in
            guard operands.count == 1 else {
                throw CommandLineOptions.UsageError(message: operands.isEmpty ? "probe needs the receiver's URL: whs probe http://127.0.0.1:8000/webhook"
                                                                              : "probe takes one URL, got \(operands.count): \(operands.joined(separator: " "))")
            }
            probe.url = operands[0]
            return .probe(probe)
        }
    )

    static let repush = Subcommand(
        "repush", operands: [Operand(name: "FILE", kind: .path(suffix: nil)), Operand(name: "URL", kind: .url)],
        summary: "push saved pushes (listen --save FILE) to URL again, signed now",
        description: """
            Pushes what `whs listen --save FILE` (or `listen save=FILE`) kept to URL again, one at a
            time in file order, and prints what each got. Each body goes unchanged; the timestamp
            and signature are made now, with the key of --app-key, $WHS_APP_KEY or the store's
            account (as whs probe), in --signature's form (default md5). The whole file is checked
            first: a broken line is named (FILE:3: ...) and nothing is pushed. --json prints one
            JSON document, a list of {line, event, message_id, status, latency_ms, error}.
            """,
        exitStatus: "0 every push got 200 or 204, 1 one did not or FILE is broken, 2 a bad command line or no key",
        start: { CommandLineOptions.Repush() },
        flags: [
            .value("--app-key", "KEY", .text, "sign with this key (else $WHS_APP_KEY, else the store's account's)") { $0.key.key = $1; $0.key.source = "--app-key" },
            .store("the store whose account's app key signs (it is only read)", group: nil),
            .value("--signature", SignatureForm.standard.rawValue, .oneOf(SignatureForm.sendable.map(\.rawValue)),
                   "the form of the new signatures: \(SignatureForm.sendable.map(\.rawValue).joined(separator: " or "))") { $0.signature = $1 },
            .on("--json", help: "one JSON document: what each push got") { $0.json = true },
        ],
        finish: { repush, operands throws(CommandLineOptions.UsageError) in
            guard operands.count == 2 else {
                throw CommandLineOptions.UsageError(message: "repush takes a file of saved pushes and a URL: whs repush pushes.jsonl http://127.0.0.1:8000/webhook")
            }
            repush.file = operands[0]
            repush.url = operands[1]
            return .repush(repush)
        }
    )

    static let play = Subcommand(
        "play", operands: [Operand(name: "FILE", kind: .path(suffix: "whs"))],
        summary: "replay a script as if typed, with its captions (docs/DEMOS.md)",
        description: """
            Replays a script as if typed at the prompt: the prompt, each statement typed a character
            every MS milliseconds (default 30; 0 types instantly), then its real output. Lines
            `#> text` in the file are shown as captions between statements. --step waits for Enter
            before each statement; --cast also writes an asciicast v2 recording; --svg an animated
            SVG image of the play, in colour, sized to the demo or to --size (e.g. 100x30). Runs on a
            fresh in-memory store unless --store names one; errors are shown and the play goes on.
            """,
        start: { CommandLineOptions.Play() },
        flags: [
            .number("--pace", "MS", 0...10_000, unit: "milliseconds, ", "milliseconds per typed character (default 30; 0 types instantly)") { $0.pace = $1 },
            .on("--step", help: "wait for Enter before each statement") { $0.step = true },
            .value("--cast", "OUT.cast", .path(suffix: "cast"), "also write an asciicast v2 recording") { $0.cast = $1 },
            .value("--svg", "OUT.svg", .path(suffix: "svg"), "also write an animated SVG image of the play") { $0.svg = $1 },
            .value("--size", "COLSxROWS", .text, "the size of the --svg image, 20 to 400 columns and 5 to 200 rows (e.g. 100x30)") { play, text throws(CommandLineOptions.UsageError) in
                let parts = text.split(separator: "x").compactMap { Int($0) }
                guard parts.count == 2, (20...400).contains(parts[0]), (5...200).contains(parts[1]) else {
                    throw CommandLineOptions.UsageError(message: "play: --size is COLSxROWS, 20 to 400 columns and 5 to 200 rows (e.g. 100x30), got '\(text)'")
                }
                (play.svgColumns, play.svgRows) = (parts[0], parts[1])
            },
            .value("--store", "PATH", .store, "play on this store instead of a fresh in-memory one") { $0.store = $1 },
        ],
        finish: { play, operands throws(CommandLineOptions.UsageError) in
            guard operands.count <= 1 else { throw CommandLineOptions.UsageError(message: "play: one file at a time, got '\(operands[0])' and '\(operands[1])'") }
            guard let file = operands.first else { throw CommandLineOptions.UsageError(message: "play: which file? (whs play FILE)") }
            if play.svgColumns != nil, play.svg == nil { throw CommandLineOptions.UsageError(message: "play: --size is the size of the --svg image; give --svg OUT.svg too") }
            play.file = file
            return .play(play)
        }
    )

    static let check = Subcommand(
        "check", operands: [Operand(name: "FILE", kind: .path(suffix: "whs"), repeats: true)],
        summary: "compare each statement's output with its #=> lines",
        description: """
            Runs each script on a fresh in-memory store and compares what every statement shows
            with the `#=> ` lines after it; `...` in a line matches any text, a line of `...` any
            number of lines. A difference is printed with FILE:LINE and the run exits 1.
            --update writes what each statement showed into the file instead.
            """,
        exitStatus: "0 every file matches, 1 a statement's output differs, 2 a file cannot be checked",
        start: { CommandLineOptions.Check() },
        flags: [
            .on("--update", help: "write what each statement showed into the file") { $0.update = true },
        ],
        finish: { check, operands throws(CommandLineOptions.UsageError) in
            guard !operands.isEmpty else { throw CommandLineOptions.UsageError(message: "check: which files? (whs check FILE...)") }
            check.files = operands
            return .check(check)
        }
    )

    static let lsp = Subcommand(
        "lsp", summary: "a language server for .whs files, over stdin and stdout (docs/EDITORS.md)",
        description: """
            Speaks the Language Server Protocol (3.17) over stdin and stdout, for an editor to
            start: diagnostics as a .whs file changes (every syntax error, unknown commands,
            arguments and functions, with "did you mean"), completion of commands, argument
            names, events, settings, variables and procedures, hover with a command's help, go
            to a procedure's definition (also in sourced files) and the file's symbols. It parses
            files with the shell's own parser and command table and never runs them. It exits
            when the editor says exit or closes its end of the pipe.
            """,
        exitStatus: "0 after shutdown and exit or at the end of input, 1 on exit without shutdown, 2 a bad command line",
        start: { "" },
        flags: [
            .on("--stdio", help: "talk over stdin and stdout, the only way it talks (accepted for clients that pass it)") { _ in },
        ],
        finish: { _, operands throws(CommandLineOptions.UsageError) in
            guard operands.isEmpty else { throw CommandLineOptions.UsageError(message: "lsp takes no operands, got '\(operands[0])'") }
            return .lsp
        }
    )

    /// The shells `whs completion` writes a script for.
    static let shells = ["bash", "zsh", "fish"]

    static let completion = Subcommand(
        "completion", operands: [Operand(name: "bash|zsh|fish", kind: .oneOf(shells))],
        summary: "print the completion script of a shell",
        description: """
            Prints the script that completes whs's subcommands, flags, their values and .whs
            scripts in bash, zsh or fish, made from the same table as --help. To try it:
              source <(whs completion bash)      (bash; bash-completion makes it better)
              source <(whs completion zsh)       (zsh, after compinit)
              whs completion fish | source       (fish)
            The packages install them where each shell looks.
            """,
        start: { "" }, flags: [],
        finish: { shell, operands throws(CommandLineOptions.UsageError) in
            guard operands.count == 1, shells.contains(operands[0]) else {
                throw CommandLineOptions.UsageError(message: "completion needs one shell: \(shells.joined(separator: ", "))"
                                                    + (operands.isEmpty ? "" : ", got '\(operands.joined(separator: " "))'"))
            }
            return .completion(shell: operands[0])
        }
    )

    static let manPages = ["language"]

    static let man = Subcommand(
        "man", operands: [Operand(name: "language", kind: .oneOf(manPages), optional: true)],
        summary: "print the manual page whs(1), or whs-language(7), in roff",
        description: """
            Prints the manual page whs(1), made from the same table as --help, in roff: read it
            with `whs man | man -l -`. `whs man language` prints whs-language(7), the language,
            made from the shell's own command table.
            """,
        start: { "" }, flags: [],
        finish: { _, operands throws(CommandLineOptions.UsageError) in
            guard operands.count <= 1, operands.allSatisfy(manPages.contains) else {
                throw CommandLineOptions.UsageError(message: "man: no page '\(operands.joined(separator: " "))' (known: whs man, whs man language)")
            }
            return .man(page: operands.first)
        }
    )

    static let health = Subcommand(
        "health", operands: [Operand(name: "URL", kind: .url)],
        summary: "exit 0 when the node at URL answers its health route (a container's health check)",
        description: """
            Asks GET URL/v1/health of a whs serve node (URL is its base, e.g.
            http://127.0.0.1:8080) and exits 0 when it answers 200 within 2 s, 1 otherwise, with
            one line that says why. It needs nothing but the binary: it is the image's HEALTHCHECK.
            """,
        exitStatus: "0 the node answered 200 within 2 s, 1 it did not (a line says why), 2 a bad command line",
        start: { "" }, flags: [],
        finish: { _, operands throws(CommandLineOptions.UsageError) in
            guard operands.count == 1 else {
                throw CommandLineOptions.UsageError(message: "health needs the node's URL: whs health http://127.0.0.1:8080")
            }
            return .health(url: operands[0])
        }
    )

    /// A subcommand that takes options only.
    static func noOperands(_ command: String, _ operands: [String]) throws(CommandLineOptions.UsageError) {
        if let first = operands.first {
            throw CommandLineOptions.UsageError(message: "\(command): unexpected '\(first)' (\(command) takes options only)")
        }
    }
}
