import WebhookCore
import WhsLanguage
import WhsSupport

/// Where `connect` may switch the shell to. The shell never builds a backend itself: the
/// executable installs a `Shell.connector` that does.
public enum ConnectTarget: Equatable {
    case memory
    case store(String)
    case server(url: String, apiUser: String, apiKey: String)
    /// A shared PostgreSQL store, `postgres://USER:PASSWORD@HOST:PORT/DB`.
    case postgres(PostgresLocation)
}

/// A backend as `connect` switches to it: the webhooks, the prompt's label (nil: plain `whs`)
/// and how to build its delivery side.
public struct Connection {
    public let service: WebhookService
    public let label: String?
    public let makeEvents: () throws -> EventDelivery
    /// The sending side, built on the delivery side (a local store's mail shares its dispatcher).
    public let makeMailing: (EventDelivery) throws -> Mailing
    /// Clearing the account (`reset`); nil: this backend cannot be cleared.
    public var makeClearing: (() throws -> AccountClearing)?

    public init(service: WebhookService, label: String?, makeEvents: @escaping () throws -> EventDelivery,
                makeMailing: @escaping (EventDelivery) throws -> Mailing) {
        self.service = service
        self.label = label
        self.makeEvents = makeEvents
        self.makeMailing = makeMailing
    }
}

/// `connect` and `explain`: the commands about the backend rather than through it.
enum BackendCommands {
    static func all(_ shell: Shell) -> [CommandSpec] {
        // The shell owns its commands: they must not own it back.
        unowned let shell = shell
        return [
            CommandSpec(
                name: "connect", summary: "switch backend: memory, a store file, or a server",
                usage: "connect memory | connect store PATH | connect postgres://USER:PASSWORD@HOST:PORT/DB | connect URL api_user=NAME api_key=KEY",
                positionals: ["target", "path"],
                arguments: [
                    ArgumentSpec("target", "memory, store, a PostgreSQL URL (best a secret, e.g. env(\"WHS_STORE\")), or a server's URL",
                                 completion: .words(["memory", "store", "http://127.0.0.1:8080", "postgres://"])),
                    ArgumentSpec("path", "the store file", completion: .files),
                    ArgumentSpec("api_user", "the API_USER to authenticate as"),
                    ArgumentSpec("api_key", "its key: a secret, e.g. env(\"WHS_API_KEY\")"),
                ]
            ) { call in
                guard let connector = shell.connector else { throw CommandFailure("this whs cannot switch backends") }
                let target = try connectTarget(call)
                let connection = try connector(target)
                shell.service = connection.service
                shell.promptLabel = connection.label
                shell.makeEvents = connection.makeEvents
                shell.makeMailing = connection.makeMailing
                shell.makeClearing = connection.makeClearing
                return .string("connected to \(connection.service.backendDescription)")
            },
            CommandSpec(
                name: "explain", summary: "print the curl command for an API statement instead of running it",
                usage: "explain COMMAND ARGS...", takesCommand: true
            ) { call in
                guard let nested = call.nested else { throw CommandFailure("usage: explain COMMAND ARGS...") }
                let endpoint = shell.service.remoteEndpoint ?? .engageLab
                let real = shell.service
                let realEvents = shell.eventsIfMade
                let realMailing = shell.mailingIfMade
                let explaining = ExplainingService(real: real)
                let explainingEvents = ExplainingEvents()
                let explainingMailing = ExplainingMailing()
                let realClearing = shell.clearingIfMade
                let explainingClearing = ExplainingClearing()
                shell.service = explaining
                shell.eventsIfMade = explainingEvents
                shell.mailingIfMade = explainingMailing
                shell.clearingIfMade = explainingClearing
                defer {
                    shell.service = real
                    shell.eventsIfMade = realEvents
                    shell.mailingIfMade = realMailing
                    shell.clearingIfMade = realClearing
                }
                do {
                    _ = try nested()
                } catch {
                    // The caught request stops the statement with an error; any other error is the statement's own.
                    if let request = explaining.caught ?? explainingMailing.caughtPublished {
                        return .string(request.curl(baseURL: endpoint.baseURL, apiUser: endpoint.apiUser))
                    }
                    guard let request = explainingEvents.caught ?? explainingMailing.caught ?? explainingClearing.caught else { throw error }
                    // The delivery routes are whs serve's own: on a local store, point at a local server.
                    let server = shell.service.remoteEndpoint ?? RemoteEndpoint(baseURL: "http://127.0.0.1:8080", apiUser: "api_user")
                    return .string("# whs serve's own extension (docs/DELIVERY.md, docs/SENDING.md), not on EngageLab's API\n"
                        + request.curl(baseURL: server.baseURL, apiUser: server.apiUser))
                }
                throw CommandFailure("that statement does not call the API")
            },
        ]
    }

    static func connectTarget(_ call: CommandInvocation) throws -> ConnectTarget {
        if case .secret(let url)? = call.argument("target") ?? nil, PostgresLocation.names(url) { return .postgres(try PostgresLocation(parsing: url)) }
        guard let target = call.argument("target")?.plainText else { throw CommandFailure("usage: connect memory | store PATH | URL api_user=NAME api_key=KEY") }
        switch target {
        case "memory":
            return .memory
        case "store":
            guard case .string(let path)? = call.argument("path") else { throw CommandFailure("usage: connect store PATH") }
            return .store(path)
        case let url where PostgresLocation.names(url):
            return .postgres(try PostgresLocation(parsing: url))
        default:
            guard target.hasPrefix("http://") || target.hasPrefix("https://") else {
                throw CommandFailure("connect to memory, store PATH, or an http(s) URL; got \(Value.string(target).literal)")
            }
            guard let apiUser = call.argument("api_user")?.plainText, !apiUser.isEmpty else {
                throw CommandFailure("a server needs api_user=NAME")
            }
            let key: String
            switch call.argument("api_key") {
            case .secret(let text)?, .string(let text)?: key = text
            default: throw CommandFailure("a server needs api_key=KEY (a secret, e.g. api_key=env(\"WHS_API_KEY\"))")
            }
            return .server(url: target, apiUser: apiUser, apiKey: key)
        }
    }
}

/// What `explain` runs its statement against: the first API call is kept, as the HTTP request
/// it would be, and stopped before anything is sent.
final class ExplainingService: WebhookService {
    let real: WebhookService
    private(set) var caught: WireRequest?

    init(real: WebhookService) { self.real = real }

    var backendDescription: String { real.backendDescription }

    func list(_ query: WebhookQuery) throws(WebhookError) -> Page { try stop(.list(query)) }
    func add(_ draft: WebhookDraft) throws(WebhookError) -> Webhook { try stop(.add(draft)) }
    func modify(id: Int, _ patch: WebhookPatch) throws(WebhookError) -> Int { try stop(.modify(id: id, patch)) }
    func delete(id: Int) throws(WebhookError) -> Int { try stop(.delete(id: id)) }
    func get(id: Int) throws(WebhookError) -> Webhook { try stop(.list(WebhookQuery(offset: 0, limit: WebhookQuery.maxLimit))) }

    private func stop<T>(_ request: WireRequest) throws(WebhookError) -> T {
        caught = request
        throw .server(code: 0, status: 0, message: "not sent: explain only shows the request")
    }
}

/// `explain`'s stand-in for the delivery side: keeps the request, sends nothing.
final class ExplainingEvents: EventDelivery {
    private(set) var caught: WireRequest?
    var unsettledCount: Int { 0 }

    func trigger(_ trigger: EventTrigger, wait: DeliveryWait?) throws(WebhookError) -> JSON { try stop(.trigger(trigger)) }
    func deliveries(_ query: DeliveryQuery) throws(WebhookError) -> JSON { try stop(.deliveries(query)) }
    func redeliver(id: Int, wait: DeliveryWait?) throws(WebhookError) -> JSON { try stop(.redeliver(id: id)) }
    func appKey() throws(WebhookError) -> String { try stop(.appKey) }
    func payload(_ trigger: EventTrigger) throws(WebhookError) -> JSON { throw .server(code: 0, status: 0, message: "payload does not call the API") }

    private func stop<T>(_ request: WireRequest) throws(WebhookError) -> T {
        caught = request
        throw .server(code: 0, status: 0, message: "not sent: explain only shows the request")
    }
}

/// `explain`'s stand-in for the sending side: keeps the request, sends nothing. The four send
/// routes are EngageLab's own; the rest are whs serve's extensions.
final class ExplainingMailing: Mailing {
    private(set) var caught: WireRequest?
    var eventDelay = 0.0

    /// The request when it is one of the published send routes.
    var caughtPublished: WireRequest? {
        guard let caught, caught.path.hasPrefix("/v1/mail/") else { return nil }
        return caught
    }

    func send(_ body: JSON, route: MailRoute, apiUser: String?, wait: DeliveryWait?) throws(WebhookError) -> JSON { try stop(.send(body, route: route)) }
    func putTemplate(name: String, subject: String, html: String, text: String) throws(WebhookError) -> JSON {
        try stop(.putTemplate(name: name, subject: subject, html: html, text: text))
    }
    func templates() throws(WebhookError) -> JSON { try stop(.templates) }
    func template(name: String) throws(WebhookError) -> JSON { try stop(.template(name: name)) }
    func deleteTemplate(name: String) throws(WebhookError) -> JSON { try stop(.deleteTemplate(name: name)) }
    func mails(_ query: MailQuery) throws(WebhookError) -> JSON { try stop(.mails(query)) }
    func mail(_ id: String) throws(WebhookError) -> JSON { try stop(.mail(id)) }
    func engage(_ id: String, event: EventType, url: String?, wait: DeliveryWait?) throws(WebhookError) -> JSON { try stop(.engage(id, event: event, url: url)) }
    func payload(_ id: String, event: EventType, url: String?) throws(WebhookError) -> JSON {
        throw .server(code: 0, status: 0, message: "payload does not call the API")
    }

    private func stop<T>(_ request: WireRequest) throws(WebhookError) -> T {
        caught = request
        throw .server(code: 0, status: 0, message: "not sent: explain only shows the request")
    }
}
