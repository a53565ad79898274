import Hummingbird
import Synchronization
import WebhookCore
import WhsSupport

/// Every request of `whs serve`, from start to finish: authenticate, route, decode, call the
/// account's `WebhookService`, answer JSON. One responder instead of a router so that every
/// answer, unknown routes and wrong methods included, is the API's own `{"code","message"}`.
struct WebhookResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let backend: any WebhookBackend
    let log: RequestLog
    let sessions = SessionCache()
    static let maxBodyBytes = 64 * 1024

    func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        let response: Response
        do {
            response = try await answer(request)
        } catch let error as WebhookError {
            response = WebhookResponder.json(error.json, status: error.httpStatus)
        } catch {
            // The request could not be read (the client went away, a broken body): a 400, not
            // a 500, since nothing on the server failed.
            let failure = WebhookError.invalidJSON("the request body could not be read")
            response = WebhookResponder.json(failure.json, status: failure.httpStatus)
        }
        log.record(method: request.method.rawValue, target: request.uri.description, status: response.status.code,
                   elapsed: ContinuousClock.now - started)
        return response
    }

    enum Route {
        case collection
        case item(Int)
    }

    /// `/v1/webhooks`, `/v1/webhooks/{id}`, and the page's `/webhooks/{id}` (without `/v1`).
    static func route(_ path: String) throws(WebhookError) -> Route {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        switch segments.count {
        case 2 where segments[0] == "v1" && segments[1] == "webhooks":
            return .collection
        case 3 where segments[0] == "v1" && segments[1] == "webhooks":
            return .item(try WireDecoding.id(segments[2]))
        case 2 where segments[0] == "webhooks":
            return .item(try WireDecoding.id(segments[1]))
        default:
            throw .routeNotFound(String(path.prefix(200)))
        }
    }

    func answer(_ request: Request) async throws -> Response {
        let service = try authenticatedService(request.headers[.authorization])
        let route = try WebhookResponder.route(request.uri.path)
        switch (route, request.method) {
        case (.collection, .get):
            return ok(try service.list(try WireDecoding.query(request.uri.query)).json)
        case (.collection, .post):
            let webhook = try service.add(try WireDecoding.draft(try await body(of: request)))
            return ok(.object([("result", .array([webhook.json]))]))
        case (.collection, _):
            throw WebhookError.methodNotAllowed("\(request.method.rawValue) is not allowed on /v1/webhooks (GET lists, POST adds)")
        case (.item(let id), .put), (.item(let id), .post):
            return ok(countJSON(try service.modify(id: id, try WireDecoding.patch(try await body(of: request)))))
        case (.item(let id), .delete):
            return ok(countJSON(try service.delete(id: id)))
        case (.item(let id), .get):
            return ok(.object([("result", .array([try service.get(id: id).json])), ("count", .int(1))]))
        case (.item, _):
            throw WebhookError.methodNotAllowed("\(request.method.rawValue) is not allowed on a webhook (PUT or POST modifies, DELETE deletes, GET reads)")
        }
    }

    /// The caller's account, as a service. A header that authenticated before is not hashed
    /// and looked up again: clients send the same one on every request.
    func authenticatedService(_ header: String?) throws(WebhookError) -> WebhookService & Sendable {
        guard let header else { throw .authenticationFailed }
        if let known = sessions.service(for: header) { return known }
        guard let credentials = BasicCredentials(header: header) else { throw .authenticationFailed }
        let account = try backend.authenticate(apiUser: credentials.apiUser, apiKey: credentials.apiKey)
        let service = try backend.service(account: account)
        sessions.remember(header, service)
        return service
    }

    /// The body, refused with 413 as soon as it passes 64 KiB.
    func body(of request: Request) async throws -> [UInt8] {
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > WebhookResponder.maxBodyBytes {
            throw WebhookError.bodyTooLarge(limit: WebhookResponder.maxBodyBytes)
        }
        var bytes: [UInt8] = []
        for try await buffer in request.body {
            guard bytes.count + buffer.readableBytes <= WebhookResponder.maxBodyBytes else {
                throw WebhookError.bodyTooLarge(limit: WebhookResponder.maxBodyBytes)
            }
            bytes.append(contentsOf: buffer.readableBytesView)
        }
        return bytes
    }

    func ok(_ body: JSON) -> Response { WebhookResponder.json(body, status: 200) }

    static func json(_ body: JSON, status: Int) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: .init(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.bytes)))
    }
}

/// Authorization headers that authenticated, with their account's service. Accounts and keys
/// are given when the server starts, so an entry stays right for the server's life; the cache
/// is bounded so that a flood of distinct valid headers cannot grow it without end.
final class SessionCache: Sendable {
    private let entries = Mutex<[String: any WebhookService & Sendable]>([:])
    static let limit = 4096

    func service(for header: String) -> (any WebhookService & Sendable)? {
        entries.withLock { $0[header] }
    }

    func remember(_ header: String, _ service: any WebhookService & Sendable) {
        entries.withLock { entries in
            if entries.count >= SessionCache.limit { entries.removeAll() }
            entries[header] = service
        }
    }
}
