import WebhookCore
import WhsLanguage
import WhsSupport

/// The sending side as commands (docs/SENDING.md): send mail, keep templates, read the mail
/// log, and cause engagement by hand. Each builds the route's JSON body or query and calls the
/// shell's `Mailing`, so a send is checked by the same rules on every backend.
enum MailCommands {
    static let wait = DeliveryCommands.wait
    static let mailID = ArgumentSpec("id", "the mail: its id in the mail log or its email id")
    static let engagement = EventType.all.filter { ["open", "click", "unsubscribe", "report_spam"].contains($0.name) }.map(\.name)

    /// `send`'s arguments and where each goes in the body: top level, `body`, or `body.content`.
    static let sendFields: [(spec: ArgumentSpec, place: Place)] = [
        (ArgumentSpec("from", "the sender: addr@host or \"Name <addr@host>\""), .top),
        (ArgumentSpec("to", "the recipients: an address, a list, or addresses separated by commas (tags: ann+open+click@example.com)"), .top),
        (ArgumentSpec("subject", "the subject (%var% and {{var}} are replaced per recipient)"), .body),
        (ArgumentSpec("html", "the html content"), .content),
        (ArgumentSpec("text", "the plain-text content"), .content),
        (ArgumentSpec("preview_text", "the preview line (with html)"), .content),
        (ArgumentSpec("template", aliases: ["template_invoke_name"], "send from a stored template instead of html/text"), .body),
        (ArgumentSpec("calendar", "an invitation, sent through sendcalendar: {time_zone_id, start_time, end_time, title, organizer: {email, name}, location}"), .body),
        (ArgumentSpec("mime", aliases: ["raw_message"], "the whole message as RFC 5322 text, sent through send_mime instead of html/text"), .content),
        (ArgumentSpec("cc", "copies (needs settings={send_mode: 1})"), .body),
        (ArgumentSpec("bcc", "blind copies (needs settings={send_mode: 1})"), .body),
        (ArgumentSpec("reply_to", "up to 3 reply-to addresses"), .body),
        (ArgumentSpec("vars", "%name% values, one per recipient: {name: [\"Ann\", \"Bob\"]}"), .body),
        (ArgumentSpec("dynamic_vars", "{{name}} values: [{name: \"Ann\"}]"), .body),
        (ArgumentSpec("label_id", "a label id"), .body),
        (ArgumentSpec("label_name", "a label name"), .body),
        (ArgumentSpec("headers", "extra mail headers: {\"X-Campaign\": \"c1\"}"), .body),
        (ArgumentSpec("attachments", "[{content: BASE64, filename: \"a.txt\"}]"), .body),
        (ArgumentSpec("settings", "{open_tracking: false, click_tracking: false, send_mode: 1, ...}"), .body),
        (ArgumentSpec("custom_args", "given back in every push of the mail: {order: 7}"), .top),
        (ArgumentSpec("request_id", "the same id within an hour sends nothing new"), .top),
    ]

    enum Place { case top, body, content }

    static func all(_ shell: Shell) -> [CommandSpec] {
        // The shell owns its commands: they must not own it back.
        unowned let shell = shell
        return [
            CommandSpec(
                name: "send", summary: "send mail: each recipient's life (request, sent, deliver...) is pushed to the webhooks",
                usage: "send TO from=ADDR subject=TEXT html=HTML|text=TEXT|template=NAME|mime=MESSAGE [calendar={...}] [custom_args={...}] [vars={...}] [request_id=ID] [api_user=NAME] [wait=true]",
                positionals: ["to"],
                arguments: sendFields.map(\.spec) + [
                    ArgumentSpec("api_user", "the API_USER it goes out under (embedded store; a server uses the one you connected as)"), wait,
                ]
            ) { call in
                let (body, route) = try sendBody(call)
                let apiUser = try ArgumentValues.string(call.argument("api_user"), "api_user")
                return Value(try shell.mailing().send(body, route: route, apiUser: apiUser, wait: try shell.deliveryWait(call.argument("wait"))))
            },
            CommandSpec(name: "templates", summary: "the stored templates sendtemplate sends from", usage: "templates") { _ in
                Value(try shell.mailing().templates())
            },
            CommandSpec(
                name: "template", summary: "store, show or delete a template",
                usage: "template put NAME subject=TEXT html=HTML [text=TEXT] | template show NAME | template delete NAME",
                positionals: ["action", "name"],
                arguments: [
                    ArgumentSpec("action", "put, show or delete", completion: .words(["put", "show", "delete"])),
                    ArgumentSpec("name", "the template's name (template_invoke_name)"),
                    ArgumentSpec("subject", "its subject"), ArgumentSpec("html", "its html content"), ArgumentSpec("text", "its plain-text content"),
                ]
            ) { call in
                guard let name = try ArgumentValues.string(call.argument("name"), "name") else {
                    throw CommandFailure("usage: template put|show|delete NAME")
                }
                switch call.argument("action")?.plainText {
                case "put":
                    return Value(try shell.mailing().putTemplate(
                        name: name, subject: try ArgumentValues.string(call.argument("subject"), "subject") ?? "",
                        html: try ArgumentValues.string(call.argument("html"), "html") ?? "",
                        text: try ArgumentValues.string(call.argument("text"), "text") ?? ""))
                case "show": return Value(try shell.mailing().template(name: name))
                case "delete": return Value(try shell.mailing().deleteTemplate(name: name))
                case let other: throw CommandFailure("template takes put, show or delete, got \(other.map { Value.string($0).literal } ?? "nothing")")
                }
            },
            CommandSpec(
                name: "mails", summary: "the mail log, newest last: every mail sent and its events",
                usage: "mails [to=ADDR] [message_id=ID] [subject=TEXT] [event=NAME] [before_id=ID] [limit=N | follow=true [timeout=30s]]",
                arguments: [
                    ArgumentSpec("to", "only mails to this address"),
                    ArgumentSpec("message_id", "only the mails of one send"),
                    ArgumentSpec("subject", "only mails whose subject contains this (ASCII letters without case)"),
                    ArgumentSpec("event", aliases: ["state"], "only mails whose life holds this event (deliver, invalid, open...)",
                                 completion: .words(EventType.all.map(\.name))),
                    ArgumentSpec("before_id", "only mails with a smaller id: the page before the oldest one shown"),
                    ArgumentSpec("limit", "how many, newest first (default \(MailQuery.defaultLimit), at most \(MailQuery.maxLimit))"),
                    Following.follow, Following.timeout,
                ]
            ) { call in
                if let wait = try Following.wait(call, shell) { return try Following.mails(call, shell, wait) }
                let query = try MailQuery.validated(
                    to: try ArgumentValues.string(call.argument("to"), "to"),
                    messageID: try ArgumentValues.string(call.argument("message_id"), "message_id"),
                    subject: try ArgumentValues.string(call.argument("subject"), "subject"),
                    event: try ArgumentValues.string(call.argument("event"), "event"),
                    before: try ArgumentValues.integer(call.argument("before_id"), "before_id"),
                    limit: try ArgumentValues.integer(call.argument("limit"), "limit"))
                return Value(try shell.mailing().mails(query))
            },
            CommandSpec(
                name: "mail", summary: "one mail: what the recipient got, and its timeline of events and pushes",
                usage: "mail ID", positionals: ["id"], arguments: [mailID]
            ) { call in
                Value(try shell.mailing().mail(try mailName(call)))
            },
            CommandSpec(
                name: "engage", summary: "the recipient opens, clicks, unsubscribes or reports a delivered mail: pushed now",
                usage: "engage ID EVENT [url=URL] [wait=true]", positionals: ["id", "event"],
                arguments: [
                    mailID,
                    ArgumentSpec("event", "open, click, unsubscribe or report_spam", completion: .words(engagement)),
                    ArgumentSpec("url", "the link a click follows (default: the mail's first link)"), wait,
                ]
            ) { call in
                Value(try shell.mailing().engage(
                    try mailName(call), event: try ArgumentValues.event(call.argument("event")),
                    url: try ArgumentValues.string(call.argument("url"), "url"), wait: try shell.deliveryWait(call.argument("wait"))))
            },
        ]
    }

    /// The route's body from `send`'s arguments: only what was given, so the rules judge what
    /// the user wrote. `template=` sends through sendtemplate, `calendar=` through sendcalendar,
    /// `mime=` (as `body.content.raw_message`) through send_mime.
    static func sendBody(_ call: CommandInvocation) throws -> (JSON, MailRoute) {
        var top: [(key: String, value: JSON)] = []
        var body: [(key: String, value: JSON)] = []
        var content: [(key: String, value: JSON)] = []
        let routes: [(argument: String, route: MailRoute)] = [("template", .template), ("calendar", .calendar), ("mime", .mime)]
        let chosen = routes.filter { call.argument($0.argument).map { $0 != .null } ?? false }
        if chosen.count > 1 {
            throw CommandFailure("\(chosen.map { "\($0.argument)=" }.joined(separator: " and ")) choose different routes: give one of template=, calendar= and mime=")
        }
        let route = chosen.first?.route ?? .send
        for (spec, place) in sendFields {
            guard let given = call.argument(spec.name), given != .null else { continue }
            var value = given.json()
            if spec.name == "to" || spec.name == "cc" || spec.name == "bcc" || spec.name == "reply_to" { value = addressList(given) }
            if case .secret = given { throw CommandFailure("\(spec.name) cannot be a secret") }
            let key = ["template": "template_invoke_name", "mime": "raw_message"][spec.name] ?? spec.name
            switch place {
            case .top: top.append((key, value))
            case .body: body.append((key, value))
            case .content: content.append((key, value))
            }
        }
        if !content.isEmpty { body.append(("content", .object(content))) }
        if route == .template, !content.isEmpty { throw CommandFailure("a template send takes its content from the template: leave out html, text and preview_text") }
        if route == .mime, content.count > 1 { throw CommandFailure("a MIME send takes its content from the message: leave out html, text and preview_text") }
        top.insert(("body", .object(body)), at: min(2, top.count))
        return (.object(top), route)
    }

    /// `to="a@x, b@y"` or `to=[...]` as the array the API wants.
    static func addressList(_ value: Value) -> JSON {
        switch value {
        case .string(let text):
            return .array(text.split(separator: ",").map { .string(String($0.trimmingBlanks)) })
        default:
            return value.json()
        }
    }

    static func mailName(_ call: CommandInvocation) throws -> String {
        switch call.argument("id") {
        case .int(let id)?: return String(id)
        case .string(let text)?: return text
        case nil, .null?: throw CommandFailure("which mail? give its id (from mails) or its email id")
        case let other?: throw CommandFailure("a mail is an id or an email id, got \(other.typeName) \(other.literal)")
        }
    }
}
