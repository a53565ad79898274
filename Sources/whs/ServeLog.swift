import Glibc
import WhsObservability
import WhsSupport

/// What `whs serve` says at start, as text (`whs serve: listening on ...`) or, with
/// `--log-format json`, as one JSON object per line with the same message and its parts as
/// fields. An app key is written only as text at a terminal (as `stripe listen` shows its
/// secret); anywhere else, as a fingerprint and where to read it.
struct ServeLog {
    let format: LogFormat
    let node: String
    /// Where the app keys may be shown whole: text on a terminal.
    var showsKeys: Bool { format == .text && isatty(1) == 1 }

    struct Line {
        let message: String
        var fields: [(key: String, value: JSON)] = []
        var level = "info"
    }

    /// The lines, to stdout in one write.
    func write(_ lines: [Line]) {
        switch format {
        case .text: Foreground.write(lines.map { "whs serve: " + $0.message })
        case .json: Foreground.write(lines.map { JSONLogLine.text(level: $0.level, node: node, [("message", .string($0.message))] + $0.fields) })
        }
    }

    /// A start-up failure: as text (`whs: serve: ...`) or as a JSON line, on stderr; exits.
    func fail(_ message: String, status: Int32) -> Never {
        switch format {
        case .text: whs.fail("serve: \(message)", status: status)
        case .json:
            JSONLogLine.write(JSONLogLine.text(level: "error", node: node, [("message", .string("serve: \(message)"))]), to: 2)
            exit(status)
        }
    }

    /// The account's app key line: the key itself at a terminal, else its fingerprint.
    func appKeyLine(account: String, key: String, fingerprint: String) -> Line {
        if showsKeys { return Line(message: "account \(account): app key \(key) (signs its pushes)") }
        return Line(message: "account \(account): app key sha256:\(fingerprint) (not shown off a terminal; read it with GET /v1/app_key or app_key in the shell)",
                    fields: [("account", .string(account)), ("app_key_sha256", .string(fingerprint))])
    }
}
