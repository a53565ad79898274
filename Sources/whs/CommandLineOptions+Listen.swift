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
                          [--fail-first N] [--delay MS] [--forward-to URL] [--save FILE] [--json]

        Receives webhook pushes until SIGINT or SIGTERM and prints one line per push (time, event,
        message id, signature verdict, the status answered), or with --json one JSON document per
        push with its headers and body. Signatures are checked with --app-key, else $WHS_APP_KEY;
        without either they are not checked. Every push is answered --respond (default 200);
        --fail-first N answers 500 to the first N, --delay MS waits before answering (to watch
        retries and timeouts). --port 0 picks a free port; the first line printed names it.

        --forward-to URL passes every push on, unchanged (method, body, Content-Type and the
        X-WebHook-* headers), to your handler at URL and answers its sender with the handler's
        status and body; the line shows both (-> 200 (handler 200 in 3.1 ms)). A handler that
        does not answer makes a 502 (504 after 10 s). --save FILE appends every push to FILE as
        one JSON line (time, method, path, headers, body as received; mode 0600), for repush.
        """

    static func parseListen(_ words: [String], _ options: inout CommandLineOptions) throws(UsageError) -> Listen {
        var listen = Listen()
        listen.options.appKey = Environment.nonEmpty("WHS_APP_KEY")
        var reader = OptionWords("listen", words)
        while let word = reader.next() {
            switch word {
            case "--host": listen.options.host = try reader.value(for: word)
            case "--port": listen.options.port = try reader.number(for: word, in: 0...65535)
            case "--app-key": listen.options.appKey = try reader.value(for: word)
            case "--respond": listen.options.respond = try reader.number(for: word, in: 200...599)
            case "--fail-first": listen.options.failFirst = try reader.number(for: word, in: 0...1_000_000)
            case "--delay": listen.options.delayMilliseconds = try reader.number(for: word, in: 0...600_000)
            case "--forward-to": listen.options.forwardTo = try reader.value(for: word)
            case "--save": listen.options.saveTo = try reader.value(for: word)
            case "--json": listen.json = true
            case "-h", "--help": options.action = .help(topic: "listen"); return listen
            default:
                throw unknownOption("listen", word, known: ["--host", "--port", "--app-key", "--respond", "--fail-first", "--delay", "--forward-to", "--save", "--json", "--help"])
            }
        }
        if listen.options.forwardTo != nil, listen.options.respond != ListenOptions().respond || listen.options.failFirst > 0 {
            throw UsageError(message: "listen: --forward-to answers with the handler's answer: it does not go with --respond or --fail-first")
        }
        return listen
    }
}
