import WebhookCore
import WhsLanguage

/// The webhook API as commands (docs/LANGUAGE.md, "Commands"). Each one validates its
/// arguments with WebhookCore's rules and calls the shell's current `WebhookService`.
enum WebhookCommands {
    static let apiUser = ArgumentSpec("api_user", "the API_USER (empty: all API_USERs)")
    static let events = ArgumentSpec("events", aliases: ["event"], "event names or codes: deliver,open or [1, 11]", completion: .events)
    static let url = ArgumentSpec("url", "the callback URL (http or https)")
    static let id = ArgumentSpec("id", "the webhook id")

    static func all(_ shell: Shell) -> [CommandSpec] {
        // The shell owns its commands: they must not own it back.
        unowned let shell = shell
        return [
            CommandSpec(
                name: "list", summary: "list webhooks, a page at a time",
                usage: "list [api_user=NAME] [offset=N] [limit=N]",
                arguments: [
                    ArgumentSpec("api_user", "only webhooks of this API_USER"),
                    ArgumentSpec("offset", "how many to skip (default 0)"),
                    ArgumentSpec("limit", "page size, 0 to 100 (default 100)"),
                ]
            ) { call in
                let query = try WebhookQuery.validated(
                    apiUser: try ArgumentValues.string(call.argument("api_user"), "api_user"),
                    offset: try ArgumentValues.integer(call.argument("offset"), "offset"),
                    limit: try ArgumentValues.integer(call.argument("limit"), "limit"))
                return try shell.service.list(query).value
            },
            CommandSpec(
                name: "add", summary: "register a webhook; returns it with its id",
                usage: "add URL [api_user=NAME] [events=LIST]",
                positionals: ["url"], arguments: [url, apiUser, events]
            ) { call in
                let draft = try WebhookDraft.validated(
                    url: try ArgumentValues.string(call.argument("url"), "url"),
                    apiUser: try ArgumentValues.string(call.argument("api_user"), "api_user"),
                    events: try ArgumentValues.events(call.argument("events")))
                return try shell.service.add(draft).value
            },
            CommandSpec(
                name: "modify", summary: "change a webhook's url, api_user or events; returns {count}",
                usage: "modify ID [url=URL] [api_user=NAME] [events=LIST]",
                positionals: ["id"], arguments: [id, url, apiUser, events]
            ) { call in
                let id = try ArgumentValues.id(call.argument("id"))
                let patch = try WebhookPatch.validated(
                    url: try ArgumentValues.string(call.argument("url"), "url"),
                    apiUser: try ArgumentValues.string(call.argument("api_user"), "api_user"),
                    events: try ArgumentValues.events(call.argument("events")))
                return countValue(try shell.service.modify(id: id, patch))
            },
            CommandSpec(
                name: "delete", summary: "remove a webhook; returns {count}",
                usage: "delete ID", positionals: ["id"], arguments: [id]
            ) { call in
                countValue(try shell.service.delete(id: try ArgumentValues.id(call.argument("id"))))
            },
            CommandSpec(
                name: "get", summary: "one webhook by id (an error if there is none)",
                usage: "get ID", positionals: ["id"], arguments: [id]
            ) { call in
                try shell.service.get(id: try ArgumentValues.id(call.argument("id"))).value
            },
            CommandSpec(name: "events", summary: "the event types: code, name and trigger", usage: "events") { _ in
                .list(EventType.all.map { event in
                    .object(Object([("code", .int(event.code)), ("name", .string(event.name)), ("trigger", .string(event.trigger))]))
                })
            },
        ]
    }

    /// `event_code(name)` and `event_name(code)`.
    static let functions: [Function] = [
        Function("event_code", "event_code(name): the code of an event name", arity: 1...1) { args, _ in
            guard case .string(let name) = args[0], let event = EventType.named(name) else {
                throw CommandFailure("unknown event \(args[0].literal) (known: \(EventType.catalogue))")
            }
            return .int(event.code)
        },
        Function("event_name", "event_name(code): the name of an event code", arity: 1...1) { args, _ in
            guard case .int(let code) = args[0], let event = EventType.withCode(code) else {
                throw CommandFailure("unknown event code \(args[0].literal) (known: \(EventType.catalogue))")
            }
            return .string(event.name)
        },
    ]
}
