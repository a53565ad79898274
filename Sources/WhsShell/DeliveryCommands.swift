import WebhookCore
import WhsLanguage
import WhsSupport

/// The delivery side as commands (docs/DELIVERY.md): fire events, read the log, and receive
/// pushes in the same shell.
enum DeliveryCommands {
    static let event = ArgumentSpec("event", "the event: a name or a code (deliver, open, 1...)", completion: .words(EventType.all.map(\.name)))
    static let apiUser = ArgumentSpec("api_user", "the API_USER the mail went out under (reaches its webhooks and those of all API_USERs)")
    static let to = ArgumentSpec("to", "the recipient in the payload (default user@example.com)")
    static let data = ArgumentSpec("data", "payload fields to replace, merged into the sample: {subject: \"Hi\"}")
    static let wait = ArgumentSpec("wait", "true: return once every delivery settled, at most wait_timeout seconds (a number: that many seconds)", completion: .words(["true", "false"]))

    static func all(_ shell: Shell) -> [CommandSpec] {
        // The shell owns its commands: they must not own it back.
        unowned let shell = shell
        return [
            CommandSpec(
                name: "trigger", summary: "fire an event: push it, signed, to every webhook subscribed to it",
                usage: "trigger EVENT [api_user=NAME] [to=EMAIL] [data={...}] [wait=true]",
                positionals: ["event"], arguments: [event, apiUser, to, data, wait]
            ) { call in
                let result = try shell.events().trigger(try trigger(call), wait: try shell.deliveryWait(call.argument("wait")))
                return Value(result)
            },
            CommandSpec(
                name: "payload", summary: "the body trigger would send, or an event of a sent mail would carry, without sending it",
                usage: "payload EVENT [api_user=NAME] [to=EMAIL] [data={...}] | payload EVENT mail=ID [url=URL]",
                positionals: ["event"],
                arguments: [event, apiUser, to, data, ArgumentSpec("mail", "a mail of the log (its id or email id): the body of its event"),
                            ArgumentSpec("url", "with mail=: the link a click follows")]
            ) { call in
                if let mail = call.argument("mail"), mail != .null {
                    let id = mail.plainText
                    return Value(try shell.mailing().payload(id, event: try ArgumentValues.event(call.argument("event")),
                                                            url: try ArgumentValues.string(call.argument("url"), "url")))
                }
                return Value(try shell.events().payload(try trigger(call)))
            },
            CommandSpec(
                name: "deliveries", summary: "the delivery log, newest last: each push and its attempts",
                usage: "deliveries [webhook=ID] [status=pending|succeeded|failed|cancelled] [message_id=ID] [event=NAME] [before_id=ID] "
                    + "[failing_first=true] [limit=N | follow=true [timeout=30s]]",
                arguments: [
                    ArgumentSpec("webhook", aliases: ["webhook_id"], "only deliveries to this webhook"),
                    ArgumentSpec("status", aliases: ["state"], "only pending, succeeded, failed or cancelled ones", completion: .words(DeliveryState.allCases.map(\.rawValue))),
                    ArgumentSpec("message_id", "only the deliveries of one event"),
                    ArgumentSpec("event", "only deliveries of this event (deliver, open...)", completion: .words(EventType.all.map(\.name))),
                    ArgumentSpec("before_id", "only deliveries with a smaller id: the page before the oldest one shown"),
                    ArgumentSpec("failing_first", "true: failed ones, and pending ones after a failed attempt, first"),
                    ArgumentSpec("limit", "how many, newest first (default \(DeliveryQuery.defaultLimit), at most \(DeliveryQuery.maxLimit))"),
                    Following.follow, Following.timeout,
                ]
            ) { call in
                if let wait = try Following.wait(call, shell) { return try Following.deliveries(call, shell, wait) }
                let query = try DeliveryQuery.validated(
                    webhookID: try ArgumentValues.integer(call.argument("webhook"), "webhook"),
                    state: try ArgumentValues.string(call.argument("status"), "status"),
                    messageID: try ArgumentValues.string(call.argument("message_id"), "message_id"),
                    event: try ArgumentValues.string(call.argument("event"), "event"),
                    before: try ArgumentValues.integer(call.argument("before_id"), "before_id"),
                    failingFirst: try ArgumentValues.bool(call.argument("failing_first"), "failing_first") ? "true" : nil,
                    limit: try ArgumentValues.integer(call.argument("limit"), "limit"))
                return Value(try shell.events().deliveries(query))
            },
            CommandSpec(
                name: "redeliver", summary: "push a delivery's payload again, as a new delivery",
                usage: "redeliver ID [wait=true]", positionals: ["id"],
                arguments: [ArgumentSpec("id", "the delivery id (from deliveries)"), wait]
            ) { call in
                let id = try ArgumentValues.id(call.argument("id"))
                return Value(try shell.events().redeliver(id: id, wait: try shell.deliveryWait(call.argument("wait"))))
            },
            CommandSpec(
                name: "app_key", summary: "the key that signs this account's pushes (a secret: reveal() shows it)",
                usage: "app_key"
            ) { call in
                call.interpreter.touchedSecret = true
                return .secret(try shell.events().appKey())
            },
            listen(shell),
        ] + BenchCommands.all(shell) + [
            CommandSpec(
                name: "inbox", summary: "what the receiver started by listen received, oldest first",
                usage: "inbox [last=N] [clear=true]",
                arguments: [
                    ArgumentSpec("last", "only the newest N"),
                    ArgumentSpec("clear", "true: empty the inbox after showing it", completion: .words(["true", "false"])),
                ]
            ) { call in
                guard let receiver = shell.receiver else { throw CommandFailure("no receiver: start one with listen port=8088") }
                var pushes = receiver.received()
                if let last = try ArgumentValues.integer(call.argument("last"), "last") { pushes = Array(pushes.suffix(max(0, last))) }
                if try ArgumentValues.bool(call.argument("clear"), "clear") { receiver.clear() }
                return .list(pushes.map(Value.init))
            },
        ]
    }

    static func listen(_ shell: Shell) -> CommandSpec {
        // The shell owns its commands: they must not own it back.
        unowned let shell = shell
        return CommandSpec(
            name: "listen", summary: "receive pushes in the background of this shell (inbox shows them); listen stop ends it",
            usage: "listen [port=N] [host=ADDR] [app_key=KEY] [respond=STATUS | forward_to=URL] [fail_first=N] [delay=MS] [save=FILE] | listen stop",
            positionals: ["action"],
            arguments: [
                ArgumentSpec("action", "stop: stop the receiver", completion: .words(["stop"])),
                ArgumentSpec("port", "the port (default 8088; 0 picks a free one)"),
                ArgumentSpec("host", "the address (default 127.0.0.1)"),
                ArgumentSpec("app_key", "the key to check signatures with (default: this account's app key)"),
                ArgumentSpec("respond", "the status to answer with (default 200)"),
                ArgumentSpec("fail_first", "answer 500 to the first N pushes"),
                ArgumentSpec("delay", "wait this many milliseconds before answering"),
                ArgumentSpec("forward_to", "pass each push on, unchanged, to this URL (your handler) and answer with its answer"),
                ArgumentSpec("save", "append each push to this file, one JSON line each (repush sends them again)", completion: .files),
            ]
        ) { call in
            if let action = call.argument("action") {
                guard action.plainText == "stop" else { throw CommandFailure("listen takes stop or name=value arguments, got \(action.literal)") }
                guard let receiver = shell.receiver else { throw CommandFailure("no receiver is running") }
                receiver.stop()
                shell.receiver = nil
                return .string("stopped the receiver on port \(receiver.port)")
            }
            guard let makeReceiver = shell.makeReceiver else { throw CommandFailure("this whs cannot listen") }
            if let running = shell.receiver { throw CommandFailure("a receiver is listening on port \(running.port) already (listen stop ends it)") }
            var options = ListenOptions()
            if let port = try ArgumentValues.integer(call.argument("port"), "port") {
                guard (0...65535).contains(port) else { throw CommandFailure("port must be 0 to 65535, got \(port)") }
                options.port = port
            }
            if let host = try ArgumentValues.string(call.argument("host"), "host") { options.host = host }
            switch call.argument("app_key") {
            case .secret(let key)?, .string(let key)?: options.appKey = key
            case nil, .null?: options.appKey = try? shell.events().appKey()
            case let other?: throw CommandFailure("app_key must be a string or a secret, got \(other.typeName)")
            }
            if let status = try ArgumentValues.integer(call.argument("respond"), "respond") {
                guard (200...599).contains(status) else { throw CommandFailure("respond must be an HTTP status, 200 to 599; got \(status)") }
                options.respond = status
            }
            options.failFirst = max(0, try ArgumentValues.integer(call.argument("fail_first"), "fail_first") ?? 0)
            options.delayMilliseconds = max(0, try ArgumentValues.integer(call.argument("delay"), "delay") ?? 0)
            options.forwardTo = try ArgumentValues.string(call.argument("forward_to"), "forward_to")
            options.saveTo = try ArgumentValues.string(call.argument("save"), "save")
            if options.forwardTo != nil, call.argument("respond") != nil || options.failFirst > 0 {
                throw CommandFailure("forward_to answers with the handler's answer: it does not go with respond= or fail_first=")
            }
            let receiver = try makeReceiver(options)
            shell.receiver = receiver
            var result: [(String, Value)] = [
                ("url", .string("http://\(options.host.urlHost):\(receiver.port)/")),
                ("port", .int(receiver.port)),
                ("signatures", .string(options.appKey == nil ? "not checked" : "checked")),
            ]
            if let forwardTo = options.forwardTo { result.append(("forward_to", .string(forwardTo))) }
            if let saveTo = options.saveTo { result.append(("save", .string(saveTo))) }
            return .object(Object(result))
        }
    }

    /// The event and payload arguments of `trigger` and `payload`.
    static func trigger(_ call: CommandInvocation) throws -> EventTrigger {
        let apiUser = try Validation.apiUser(try ArgumentValues.string(call.argument("api_user"), "api_user") ?? "")
        var data: JSON?
        switch call.argument("data") {
        case nil, .null?: data = nil
        case .object(let object)?: data = Value.object(object).json()
        case let other?: throw CommandFailure("data must be an object of payload fields, e.g. {subject: \"Hi\"}; got \(other.typeName)")
        }
        return EventTrigger(event: try ArgumentValues.event(call.argument("event")), apiUser: apiUser,
                            to: try ArgumentValues.string(call.argument("to"), "to"), data: data)
    }
}
