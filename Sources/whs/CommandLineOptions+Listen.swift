import WebhookCore
import WhsSupport

/// `whs listen`: a foreground receiver of pushes (docs/DELIVERY.md).
extension CommandLineOptions {
    struct Listen: Equatable {
        var options = ListenOptions()
        var json = false
    }

    static let listenUsage = """
        usage: whs listen [--host 127.0.0.1] [--port 8088] [--app-key KEY] [--respond STATUS]
                          [--fail-first N] [--delay MS] [--json]

        Receives webhook pushes until SIGINT or SIGTERM and prints one line per push (time, event,
        message id, signature verdict, the status answered), or with --json one JSON document per
        push with its headers and body. Signatures are checked with --app-key, else $WHS_APP_KEY;
        without either they are not checked. Every push is answered --respond (default 200);
        --fail-first N answers 500 to the first N, --delay MS waits before answering (to watch
        retries and timeouts). --port 0 picks a free port; the first line printed names it.
        """

    static func parseListen(_ words: [String], _ options: inout CommandLineOptions) throws(UsageError) -> Listen {
        var listen = Listen()
        listen.options.appKey = Environment.nonEmpty("WHS_APP_KEY")
        var index = 0
        func value(_ flag: String) throws(UsageError) -> String {
            index += 1
            guard index < words.count else { throw UsageError(message: "listen: \(flag) needs a value") }
            return words[index]
        }
        func count(_ flag: String, in range: ClosedRange<Int>) throws(UsageError) -> Int {
            let text = try value(flag)
            guard let number = Int(text), range.contains(number) else {
                throw UsageError(message: "listen: \(flag) must be \(range.lowerBound) to \(range.upperBound), got '\(text)'")
            }
            return number
        }
        while index < words.count {
            let word = words[index]
            switch word {
            case "--host": listen.options.host = try value(word)
            case "--port": listen.options.port = try port(try value(word), command: "listen")
            case "--app-key": listen.options.appKey = try value(word)
            case "--respond": listen.options.respond = try count(word, in: 200...599)
            case "--fail-first": listen.options.failFirst = try count(word, in: 0...1_000_000)
            case "--delay": listen.options.delayMilliseconds = try count(word, in: 0...600_000)
            case "--json": listen.json = true
            case "-h", "--help": options.action = .help(topic: "listen"); return listen
            default:
                let known = ["--host", "--port", "--app-key", "--respond", "--fail-first", "--delay", "--json"]
                throw UsageError(message: "listen: unknown option '\(word)'\(Suggestion.hint(for: word, in: known))")
            }
            index += 1
        }
        return listen
    }
}
