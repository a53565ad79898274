/// Everything that can go wrong in a webhook operation, with the code and HTTP status it has on
/// the wire. `docs/API.md` has the same table for people; `WebhookErrorTests` keeps them equal.
public enum WebhookError: Error, Sendable, Equatable {
    /// Missing, malformed or wrong credentials (EngageLab's own code).
    case authenticationFailed
    /// A parameter or field has a value the API does not accept; the text says which and why.
    case invalidParameter(String)
    /// A body field the API does not know; the text names it, with a hint where one fits.
    case unknownField(String)
    /// The request body is not a JSON object.
    case invalidJSON(String)
    /// The request body is larger than the server accepts.
    case bodyTooLarge(limit: Int)
    /// No webhook with that id in this account.
    case webhookNotFound(id: Int)
    /// A webhook with the same url and api_user exists already in this account.
    case duplicate(existingID: Int)
    /// No delivery with that id in the caller's account (an extension: docs/DELIVERY.md).
    case deliveryNotFound(id: Int)
    /// A send (`/v1/mail/send`, `/v1/mail/sendtemplate`) broke one of SENDING.md's rules: the
    /// code names the rule (30801 is EngageLab's own; docs/SENDING.md has the table).
    case sendRejected(code: Int, String)
    /// No template with that name in this account (docs/SENDING.md).
    case templateNotFound(String)
    /// No mail with that id or email id in this account (the mail log, docs/SENDING.md).
    case mailNotFound(String)
    /// An API_USER of another account (or none): an account binds webhooks to its own only.
    case foreignAPIUser(String)
    /// No such route on the server.
    case routeNotFound(String)
    /// The route exists but not for that method.
    case methodNotAllowed(String)
    /// The store failed (disk full, corrupt file, locked for too long).
    case storage(String)
    /// The server could not be reached or did not answer in time (client side only).
    case unreachable(String)
    /// Any other code a server answered with; kept as it came.
    case server(code: Int, status: Int, message: String)

    /// The `code` of the `{"code","message"}` error body.
    public var code: Int {
        switch self {
        case .authenticationFailed: 30000
        case .invalidParameter: 40001
        case .unknownField: 40002
        case .invalidJSON: 40003
        case .bodyTooLarge: 41300
        case .webhookNotFound: 40401
        case .deliveryNotFound: 40402
        case .templateNotFound: 40403
        case .foreignAPIUser: 40301
        case .mailNotFound: 40404
        case .sendRejected(let code, _): code
        case .duplicate: 40901
        case .routeNotFound: 40400
        case .methodNotAllowed: 40500
        case .storage: 50001
        case .unreachable: 50300
        case .server(let code, _, _): code
        }
    }

    /// The HTTP status the server answers with.
    public var httpStatus: Int {
        switch self {
        case .authenticationFailed: 401
        case .invalidParameter, .unknownField, .invalidJSON, .sendRejected: 400
        case .bodyTooLarge: 413
        case .foreignAPIUser: 403
        case .webhookNotFound, .deliveryNotFound, .templateNotFound, .mailNotFound, .routeNotFound: 404
        case .duplicate: 409
        case .methodNotAllowed: 405
        case .storage: 500
        case .unreachable: 503
        case .server(_, let status, _): status
        }
    }

    /// The `message` for a person.
    public var message: String {
        switch self {
        case .authenticationFailed: "Authentication failed"
        case .invalidParameter(let text), .unknownField(let text), .sendRejected(_, let text): text
        case .foreignAPIUser(let name): "api_user \(Validation.quoted(name)) is not an API_USER of this account"
        case .templateNotFound(let name): "no template named \(Validation.quoted(name))"
        case .mailNotFound(let id): "no mail with id \(id)"
        case .invalidJSON(let why): "request body must be a JSON object: \(why)"
        case .bodyTooLarge(let limit): "request body is larger than \(limit) bytes"
        case .webhookNotFound(let id): "no webhook with id \(id)"
        case .deliveryNotFound(let id): "no delivery with id \(id)"
        case .duplicate(let id): "a webhook with this url and api_user exists already (id \(id))"
        case .routeNotFound(let route): "no such route: \(route)"
        case .methodNotAllowed(let text): text
        case .storage(let text): "store failed: \(text)"
        case .unreachable(let text): text
        case .server(_, _, let message): message
        }
    }

    /// Rebuilds the typed error from a server's `{"code","message"}` answer, so that a remote
    /// backend reports errors exactly as a local one does.
    public init(code: Int, status: Int, message: String) {
        switch code {
        case 30000: self = .authenticationFailed
        case 40001: self = .invalidParameter(message)
        case 40002: self = .unknownField(message)
        case 40301 where message.hasPrefix("api_user \""):
            self = .foreignAPIUser(String(message.dropFirst(10).prefix { $0 != "\"" }))
        case 30801...30899: self = .sendRejected(code: code, message)
        case 40401 where WebhookError.trailingNumber(message) != nil:
            self = .webhookNotFound(id: WebhookError.trailingNumber(message)!)
        case 40402 where WebhookError.trailingNumber(message) != nil:
            self = .deliveryNotFound(id: WebhookError.trailingNumber(message)!)
        case 40901 where WebhookError.trailingNumber(message) != nil:
            self = .duplicate(existingID: WebhookError.trailingNumber(message)!)
        default: self = .server(code: code, status: status, message: message)
        }
    }

    /// The id at the end of "no webhook with id 9" or "... exists already (id 4)".
    static func trailingNumber(_ message: String) -> Int? {
        let digits = message.reversed().drop { $0 == ")" }.prefix { $0.isNumber }
        return Int(String(digits.reversed()))
    }
}

extension WebhookError: CustomStringConvertible {
    public var description: String { message }
}
