import Hummingbird
import Synchronization
import WebhookCore
import WebhookDelivery
import WhsSupport

/// Every request of `whs serve`, from start to finish: authenticate, route, decode, call the
/// account's `WebhookService`, answer JSON. One responder instead of a router so that every
/// answer, unknown routes and wrong methods included, is the API's own `{"code","message"}`.
struct WebhookResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let backend: any WebhookBackend
    /// Pushes events for `/v1/events`; nil on a server without delivery (tests of the API alone).
    let dispatcher: Dispatcher?
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
        /// The delivery extension (docs/DELIVERY.md).
        case events, deliveries, redeliver(Int), appKey
    }

    /// `/v1/webhooks`, `/v1/webhooks/{id}`, and the page's `/webhooks/{id}` (without `/v1`);
    /// `/v1/events`, `/v1/deliveries`, `/v1/deliveries/{id}/redeliver`, `/v1/app_key`.
    static func route(_ path: String) throws(WebhookError) -> Route {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        switch segments.count {
        case 2 where segments[0] == "v1" && segments[1] == "events":
            return .events
        case 2 where segments[0] == "v1" && segments[1] == "deliveries":
            return .deliveries
        case 2 where segments[0] == "v1" && segments[1] == "app_key":
            return .appKey
        case 4 where segments[0] == "v1" && segments[1] == "deliveries" && segments[3] == "redeliver":
            return .redeliver(try WireDecoding.id(segments[2]))
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
        let (account, service) = try authenticatedService(request.headers[.authorization])
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
        case (.events, .post):
            let trigger = try WireDecoding.trigger(try await body(of: request))
            return ok(try delivering().trigger(account: account, trigger).json)
        case (.deliveries, .get):
            return ok(deliveriesJSON(try delivering().store.deliveries(account: account, try WireDecoding.deliveryQuery(request.uri.query))))
        case (.redeliver(let id), .post):
            return ok(try delivering().redeliver(account: account, id: id).json)
        case (.appKey, .get):
            return ok(.object([("app_key", .string(try delivering().appKey(account: account)))]))
        case (.events, _), (.redeliver, _):
            throw WebhookError.methodNotAllowed("\(request.method.rawValue) is not allowed on \(request.uri.path) (POST)")
        case (.deliveries, _), (.appKey, _):
            throw WebhookError.methodNotAllowed("\(request.method.rawValue) is not allowed on \(request.uri.path) (GET)")
        }
    }

    func delivering() throws(WebhookError) -> Dispatcher {
        guard let dispatcher else { throw .routeNotFound("this server does not deliver events") }
        return dispatcher
    }

    /// The caller's account, as a service. A header that authenticated before is not hashed
    /// and looked up again: clients send the same one on every request.
    func authenticatedService(_ header: String?) throws(WebhookError) -> Session {
        guard let header else { throw .authenticationFailed }
        if let known = sessions.session(for: header) { return known }
        guard let credentials = BasicCredentials(header: header) else { throw .authenticationFailed }
        let account = try backend.authenticate(apiUser: credentials.apiUser, apiKey: credentials.apiKey)
        let session = (account, try backend.service(account: account))
        sessions.remember(header, session)
        return session
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
    private let entries = Mutex<[String: Session]>([:])
    static let limit = 4096

    func session(for header: String) -> Session? {
        entries.withLock { $0[header] }
    }

    func remember(_ header: String, _ session: Session) {
        entries.withLock { entries in
            if entries.count >= SessionCache.limit { entries.removeAll() }
            entries[header] = session
        }
    }
}

/// An authenticated caller: its account's name and its webhooks.
typealias Session = (account: String, service: any WebhookService & Sendable)
