import WebhookCore
import WhsLanguage
import WhsSupport

/// The receiver bench at the prompt (docs/DELIVERY.md): `probe` grades an application's
/// webhook receiver, `repush` sends pushes saved by `listen save=FILE` again. Both come from
/// the executable (`Shell.receiverTools`) and push only to the URL they are given.
enum BenchCommands {
    static let appKey = ArgumentSpec("app_key", "the key the receiver checks signatures with (default: this account's app key)")

    static func all(_ shell: Shell) -> [CommandSpec] {
        // The shell owns its commands: they must not own it back.
        unowned let shell = shell
        return [
            CommandSpec(
                name: "probe", summary: "grade a webhook receiver: push a fixed battery of events and attacks at URL, pass/warn/fail each",
                usage: "probe URL [app_key=KEY]", positionals: ["url"],
                arguments: [ArgumentSpec("url", "the receiver's URL, http(s), the only place pushed to. In order: the nine events signed md5 "
                                         + "(fail unless 200/204 within 3 s, warn above 1 s), the nine signed hmac-sha256 (warn if refused), "
                                         + "a wrong, a missing and a 3 h old signature (fail unless a 4xx), one push twice, "
                                         + "1 KB of custom_args, a 256-character subject (fail unless 200/204)"), appKey]
            ) { call in
                let tools = try shell.bench()
                guard let url = try ArgumentValues.string(call.argument("url"), "url") else {
                    throw CommandFailure("probe needs the receiver's URL: probe http://127.0.0.1:8000/webhook")
                }
                let key = try signingKey(call, shell)
                return Value(try tools.probe(url: url, appKey: key, isInterrupted: { Signals.isInterruptRequested }))
            },
            CommandSpec(
                name: "repush", summary: "push what listen save=FILE kept to URL again: the same bodies, signed now",
                usage: "repush FILE url=URL [app_key=KEY]", positionals: ["file"],
                arguments: [
                    ArgumentSpec("file", "a file listen save=FILE (or whs listen --save) wrote: one push a line", completion: .files),
                    ArgumentSpec("url", "where to push them (the application's handler), one at a time in file order; "
                                 + "each body unchanged, timestamp and signature made now in set signature's form"),
                    appKey,
                ]
            ) { call in
                let tools = try shell.bench()
                guard let file = try ArgumentValues.string(call.argument("file"), "file") else {
                    throw CommandFailure("repush needs a file of saved pushes: repush pushes.jsonl url=http://127.0.0.1:8000/webhook")
                }
                guard let url = try ArgumentValues.string(call.argument("url"), "url") else {
                    throw CommandFailure("repush needs url=URL: where to push the saved pushes")
                }
                let key = try signingKey(call, shell)
                let form = shell.settings.value(of: "signature") ?? "md5"
                return Value(try tools.repush(file: file, url: url, appKey: key, signature: form))
            },
        ]
    }

    /// `app_key=`, else the account's app key.
    static func signingKey(_ call: CommandInvocation, _ shell: Shell) throws -> String {
        switch call.argument("app_key") {
        case .secret(let key)?, .string(let key)?:
            // A key typed on the line is kept out of history like one from app_key.
            call.interpreter.touchedSecret = true
            guard !key.isEmpty else { throw CommandFailure("app_key must not be empty") }
            return key
        case nil, .null?: return try shell.events().appKey()
        case let other?: throw CommandFailure("app_key must be a string or a secret, got \(other.typeName)")
        }
    }
}

extension Shell {
    func bench() throws -> ReceiverTools {
        guard let receiverTools else { throw CommandFailure("this whs has no receiver bench (probe, repush)") }
        return receiverTools
    }
}
