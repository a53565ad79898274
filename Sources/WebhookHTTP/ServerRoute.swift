import NIOHTTP1
import WebhookCore

/// The routes of `whs serve` (docs/openapi.yaml), told apart by path alone: the method is
/// checked next (405 with an `Allow` header, as HTTP requires), and ids in the path after
/// that, so a wrong method is reported as such whatever the id.
enum ServerRoute: Equatable {
    case webhooks
    /// `/v1/webhooks/{id}` and the page's `/webhooks/{id}` (without `/v1`).
    case webhook(Substring)
    /// The delivery extension (docs/DELIVERY.md).
    case events, deliveries, redeliver(Substring), appKey
    /// The send routes (SENDING.md) and the sending side's extensions (docs/SENDING.md).
    case send, sendTemplate, sendCalendar, sendMIME, templates, template(Substring), mails, mail(Substring), mailEvents(Substring)
    /// This server's contract, docs/openapi.yaml.
    case openAPI
    /// Whether this node and its store answer, for a load balancer (no authentication).
    case health
    /// Empties the caller's account, or named parts of it (docs/OPERATIONS.md).
    case reset
    /// Prometheus's page (its own access rule: a bearer token, or loopback; docs/OPERATIONS.md).
    case metrics
    /// The caller's mails and attempts as they happen, as Server-Sent Events.
    case stream

    init(path: String) throws(WebhookError) {
        let s = path.split(separator: "/", omittingEmptySubsequences: true)
        let v1 = s.first == "v1"
        switch s.count {
        case 1 where s[0] == "metrics": self = .metrics
        case 2 where v1:
            switch s[1] {
            case "webhooks": self = .webhooks
            case "events": self = .events
            case "deliveries": self = .deliveries
            case "app_key": self = .appKey
            case "templates": self = .templates
            case "mails": self = .mails
            case "openapi.yaml": self = .openAPI
            case "health": self = .health
            case "reset": self = .reset
            case "stream": self = .stream
            default: throw .routeNotFound(String(path.prefix(200)))
            }
        case 2 where s[0] == "webhooks": self = .webhook(s[1])
        case 3 where v1 && s[1] == "webhooks": self = .webhook(s[2])
        case 3 where v1 && s[1] == "templates": self = .template(s[2])
        case 3 where v1 && s[1] == "mails": self = .mail(s[2])
        case 3 where v1 && s[1] == "mail" && s[2] == "send": self = .send
        case 3 where v1 && s[1] == "mail" && s[2] == "sendtemplate": self = .sendTemplate
        case 3 where v1 && s[1] == "mail" && s[2] == "sendcalendar": self = .sendCalendar
        case 3 where v1 && s[1] == "mail" && s[2] == "send_mime": self = .sendMIME
        case 4 where v1 && s[1] == "deliveries" && s[3] == "redeliver": self = .redeliver(s[2])
        case 4 where v1 && s[1] == "mails" && s[3] == "events": self = .mailEvents(s[2])
        default: throw .routeNotFound(String(path.prefix(200)))
        }
    }

    /// The methods the route answers, in the order `Allow` lists them.
    var allowed: [HTTPMethod] {
        switch self {
        case .webhooks: [.GET, .POST]
        case .webhook: [.GET, .PUT, .POST, .DELETE]
        case .template: [.GET, .PUT, .DELETE]
        case .events, .redeliver, .send, .sendTemplate, .sendCalendar, .sendMIME, .mailEvents, .reset: [.POST]
        // The two logs are read, and emptied (`DELETE ?before=`).
        case .deliveries, .mails: [.GET, .DELETE]
        case .appKey, .templates, .mail, .openAPI, .health, .metrics, .stream: [.GET]
        }
    }

    /// The route as metrics label it: its template, without the id or name a path holds, so
    /// that a label never carries what a caller sent. Routes without a part of the caller's
    /// are their path (`/v1/mails`).
    func template(path: String) -> String {
        switch self {
        case .webhook: path.split(separator: "/").first == "v1" ? "/v1/webhooks/{id}" : "/webhooks/{id}"
        case .template: "/v1/templates/{name}"
        case .mail: "/v1/mails/{id}"
        case .mailEvents: "/v1/mails/{id}/events"
        case .redeliver: "/v1/deliveries/{id}/redeliver"
        // The busiest routes without building a string.
        case .webhooks: "/v1/webhooks"
        case .send: "/v1/mail/send"
        case .deliveries: "/v1/deliveries"
        case .events: "/v1/events"
        case .mails: "/v1/mails"
        default: "/" + path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
        }
    }

    /// The refusal of a method the route does not answer.
    func refusal(_ method: HTTPMethod, path: String) -> MethodRefusal {
        let names = allowed.map(\.rawValue).joined(separator: ", ")
        return MethodRefusal(allow: names, error: .methodNotAllowed("\(method.rawValue) is not allowed on \(path.prefix(200)) (allowed: \(names))"))
    }

    /// True for the routes whose bodies may be as large as a mail (70 MB); the others keep 64 KiB.
    var takesMail: Bool { mailRoute != nil }

    /// The send route it is, if it is one.
    var mailRoute: MailRoute? {
        switch self {
        case .send: .send
        case .sendTemplate: .template
        case .sendCalendar: .calendar
        case .sendMIME: .mime
        default: nil
        }
    }
}

/// A 405 and the `Allow` header that must come with it.
struct MethodRefusal: Error {
    let allow: String
    let error: WebhookError
}
