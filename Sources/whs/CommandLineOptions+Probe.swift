import WebhookCore
import WhsSupport

/// `whs probe` and `whs repush`: the receiver bench on the command line (docs/DELIVERY.md).
extension CommandLineOptions {
    /// Where the key that signs the pushes comes from: `--app-key`, `$WHS_APP_KEY`, else the
    /// store's account (`--store PATH`, else the default store).
    struct KeyOption: Equatable {
        var key: String?
        /// `--app-key` or `$WHS_APP_KEY`, for the first line printed.
        var source = ""

        init() {
            if let key = Environment.nonEmpty("WHS_APP_KEY") {
                self.key = key
                source = "$WHS_APP_KEY"
            }
        }
    }

    struct Probe: Equatable {
        var url = ""
        var key = KeyOption()
        var json = false
    }

    struct Repush: Equatable {
        var file = ""
        var url = ""
        var key = KeyOption()
        /// `--signature md5|hmac-sha256`, checked when run.
        var signature = "md5"
        var json = false
    }

    static let probeUsage = """
        usage: whs probe URL [--app-key KEY] [--store PATH] [--json]

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

        exit status: 0 nothing failed (warnings allowed), 1 a check failed or URL is unreachable,
        2 a bad command line or no key.
        """

    static let repushUsage = """
        usage: whs repush FILE URL [--app-key KEY] [--store PATH] [--signature md5|hmac-sha256] [--json]

        Pushes what `whs listen --save FILE` (or `listen save=FILE`) kept to URL again, one at a
        time in file order, and prints what each got. Each body goes unchanged; the timestamp
        and signature are made now, with the key of --app-key, $WHS_APP_KEY or the store's
        account (as whs probe), in --signature's form (default md5). The whole file is checked
        first: a broken line is named (FILE:3: ...) and nothing is pushed. --json prints one
        JSON document, a list of {line, event, message_id, status, latency_ms, error}.

        exit status: 0 every push got 200 or 204, 1 one did not or FILE is broken, 2 a bad
        command line or no key.
        """

    /// `whs probe URL [--app-key KEY] [--store PATH] [--json]`
    static func parseProbe(_ words: [String], _ options: inout CommandLineOptions) throws(UsageError) -> Probe {
        var probe = Probe()
        var reader = OptionWords("probe", words)
        var positionals: [String] = []
        let known = ["--app-key", "--store", "--json", "--help"]
        while let word = reader.next() {
            switch word {
            case "--app-key": probe.key.key = try reader.value(for: word); probe.key.source = "--app-key"
            case "--store": options.backend = .store(try reader.value(for: word))
            case "--json": probe.json = true
            case "-h", "--help": options.action = .help(topic: "probe"); return probe
            default:
                if word.hasPrefix("-") { throw unknownOption("probe", word, known: known) }
                positionals.append(word)
            }
        }
        guard positionals.count == 1 else {
            throw UsageError(message: positionals.isEmpty ? "probe needs the receiver's URL: whs probe http://127.0.0.1:8000/webhook"
                                                          : "probe takes one URL, got \(positionals.count): \(positionals.joined(separator: " "))")
        }
        probe.url = positionals[0]
        return probe
    }

    /// `whs repush FILE URL [--app-key KEY] [--store PATH] [--signature FORM] [--json]`
    static func parseRepush(_ words: [String], _ options: inout CommandLineOptions) throws(UsageError) -> Repush {
        var repush = Repush()
        var reader = OptionWords("repush", words)
        var positionals: [String] = []
        let known = ["--app-key", "--store", "--signature", "--json", "--help"]
        while let word = reader.next() {
            switch word {
            case "--app-key": repush.key.key = try reader.value(for: word); repush.key.source = "--app-key"
            case "--store": options.backend = .store(try reader.value(for: word))
            case "--signature": repush.signature = try reader.value(for: word)
            case "--json": repush.json = true
            case "-h", "--help": options.action = .help(topic: "repush"); return repush
            default:
                if word.hasPrefix("-") { throw unknownOption("repush", word, known: known) }
                positionals.append(word)
            }
        }
        guard positionals.count == 2 else {
            throw UsageError(message: "repush takes a file of saved pushes and a URL: whs repush pushes.jsonl http://127.0.0.1:8000/webhook")
        }
        repush.file = positionals[0]
        repush.url = positionals[1]
        return repush
    }

    /// `probe: unknown option '--jsn'; did you mean "--json"? (known: --app-key, ...)`.
    static func unknownOption(_ command: String, _ word: String, known: [String]) -> UsageError {
        UsageError(message: "\(command): unknown option '\(word)'\(Suggestion.hint(for: word, in: known)) (known: \(known.joined(separator: ", ")))")
    }
}
