import HTTPServing
import MailSandbox
import NIOCore
import NIOHTTP1
import Synchronization
import WebhookCore
import WebhookDelivery
import WhsInspector
import WhsObservability
import WhsSupport

/// Every request of `whs serve`, from start to finish: authenticate, route, decode, call the
/// account's `WebhookService`, answer JSON. One responder instead of a router so that every
/// answer, unknown routes and wrong methods included, is the API's own `{"code","message"}`.
struct WebhookResponder: ServerResponder {
    let backend: any AsyncWebhookBackend
    /// Pushes events for `/v1/events`; nil on a server without delivery (tests of the API alone).
    let dispatcher: Dispatcher?
    /// Sends mail for the send routes; nil on a server without delivery.
    let mailer: Mailer?
    let log: RequestLog
    /// This node's name, which the health route reports.
    let node: String
    /// What this node counts for `GET /metrics`; nil with `--no-metrics`.
    var metrics: Metrics?
    /// Who may read `GET /metrics`.
    var metricsAccess = MetricsAccess()
    /// The follows open on `GET /v1/stream`, and what wakes them.
    let follows = FollowRegistry()
    let sessions = SessionCache()
    /// The web inspector under `/ui` (docs/INSPECTOR.md); nil with `--no-ui`.
    var inspector: Inspector?
    static let maxBodyBytes = 64 * 1024

    /// The route label of a request in the metrics: the API route's template, `/ui` for every
    /// page of the inspector (never the ids its paths hold), else `unmatched`.
    static func metricsRoute(_ route: ServerRoute?, path: String, inspector: Bool) -> String {
        if let route { return route.template(path: path) }
        return inspector && Inspector.handles(path: path) ? "/ui" : "unmatched"
    }

    func respond(to request: ServerRequest) async -> ServerResponse {
        let started = ContinuousClock.now
        let trace = TraceID.of(request[header: TraceID.header])
        let path = request.path
        let route = try? ServerRoute(path: path)
        let caller = Caller()
        var response: ServerResponse
        do {
            response = try await answer(request, path: path, route: route, caller: caller)
        } catch let error as WebhookError {
            response = WebhookResponder.json(error.json, status: error.httpStatus)
            countStoreError(error)
        } catch let refusal as MethodRefusal {
            response = WebhookResponder.json(refusal.error.json, status: refusal.error.httpStatus)
            response.headers.add(name: "Allow", value: refusal.allow)
        } catch {
            // The request could not be read (the client went away, a broken body): a 400, not
            // a 500, since nothing on the server failed.
            let failure = WebhookError.invalidJSON("the request body could not be read")
            response = WebhookResponder.json(failure.json, status: failure.httpStatus)
        }
        response.headers.add(name: TraceID.header, value: trace)
        if request.method != .GET, response.status < 300 {
            // A send or an engagement was written: follows read it now.
            follows.wakeAll()
        } else if route == .stream, response.status == 401 {
            // A browser opening the stream asks for the API_USER and key.
            response.headers.add(name: "WWW-Authenticate", value: #"Basic realm="whs", charset="UTF-8""#)
        }
        let elapsed = ContinuousClock.now - started
        metrics?.request(method: WebhookResponder.methodLabel(request.method), route: WebhookResponder.metricsRoute(route, path: path, inspector: inspector != nil),
                         status: response.status, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        log.record(RequestLog.Entry(method: request.method.rawValue, target: request.uri, status: response.status,
                                    elapsed: elapsed, trace: trace, account: caller.account))
        return response
    }

    func answer(_ request: ServerRequest, path: String, route: ServerRoute?, caller: Caller) async throws -> ServerResponse {
        if path == "/v1/health", request.method == .GET { return await health() }
        if let inspector, Inspector.handles(path: path) { return await InspectorMount.answer(request, path: path, inspector) }
        if route == .metrics {
            guard request.method == .GET else { throw ServerRoute.metrics.refusal(request.method, path: path) }
            return try await metricsPage(request)
        }
        let session = try await authenticatedService(request[header: "Authorization"])
        caller.account = session.account
        let (account, service) = (session.account, session.service)
        let route = try route ?? ServerRoute(path: path)
        guard route.allowed.contains(request.method) else { throw route.refusal(request.method, path: path) }
        let limit = route.takesMail ? MailRules.maxMailBytes : WebhookResponder.maxBodyBytes
        switch (route, request.method) {
        case (.webhooks, .GET):
            return WebhookResponder.json(bytes: try await service.list(try WireDecoding.query(request.query)).jsonBytes, status: 200)
        case (.webhooks, _):
            let webhook = try await service.add(try WireDecoding.draft(try body(of: request, limit: limit)))
            return ok(.object([("result", .array([webhook.json]))]))
        case (.webhook(let segment), .GET):
            return ok(.object([("result", .array([try await service.get(id: try WireDecoding.id(segment)).json])), ("count", .int(1))]))
        case (.webhook(let segment), .DELETE):
            return ok(countJSON(try await service.delete(id: try WireDecoding.id(segment))))
        case (.webhook(let segment), _):
            let id = try WireDecoding.id(segment)
            return ok(countJSON(try await service.modify(id: id, try WireDecoding.patch(try body(of: request, limit: limit)))))
        case (.events, _):
            let trigger = try WireDecoding.trigger(try body(of: request, limit: limit))
            return ok(try await delivering().trigger(account: account, trigger).json)
        case (.deliveries, .DELETE), (.mails, .DELETE), (.reset, _):
            return try await clear(route, request, account: account, limit: limit)
        case (.deliveries, _):
            return ok(deliveriesJSON(try await delivering().store.deliveries(account: account, try WireDecoding.deliveryQuery(request.query))))
        case (.redeliver(let segment), _):
            return ok(try await delivering().redeliver(account: account, id: try WireDecoding.id(segment)).json)
        case (.appKey, _):
            return ok(.object([("app_key", .string(try await delivering().appKey(account: account)))]))
        case (.openAPI, _):
            return WebhookResponder.openAPIDocument
        case (.health, _):
            return await health()
        case (.stream, _):
            return try await stream(request, account: account)
        default:
            return try await answerMail(route, request, session, limit: limit)
        }
    }

    /// The send routes and the sending side's extensions (docs/SENDING.md).
    func answerMail(_ route: ServerRoute, _ request: ServerRequest, _ session: Session, limit: Int) async throws -> ServerResponse {
        let mailer = try sending()
        let account = session.account
        if let sendRoute = route.mailRoute {
            let body = try WireDecoding.sendBody(try body(of: request, limit: limit))
            return ok(try await mailer.send(account: account, apiUser: session.apiUser, body, route: sendRoute).answer)
        }
        switch (route, request.method) {
        case (.templates, _):
            return ok(templatesJSON(try await mailer.store.templates(account: account)))
        case (.template(let segment), .GET):
            let name = try MailTemplate.validName(try WireDecoding.name(segment))
            guard let found = try await mailer.store.template(account: account, name: name) else { throw WebhookError.templateNotFound(name) }
            return ok(found.json)
        case (.template(let segment), .DELETE):
            return ok(countJSON(try await mailer.store.deleteTemplate(account: account, name: try MailTemplate.validName(try WireDecoding.name(segment)))))
        case (.template(let segment), _):
            let name = try WireDecoding.name(segment)
            let fields = try WireDecoding.template(try body(of: request, limit: limit))
            return ok(try await mailer.template(account: account, name: name, subject: fields.subject, html: fields.html, text: fields.text).json)
        case (.mails, _):
            return ok(mailsJSON(try await mailer.store.mails(account: account, try WireDecoding.mailQuery(request.query))))
        case (.mail(let segment), _):
            let id = try await mailer.mailID(account: account, try WireDecoding.name(segment))
            guard let found = try await mailer.store.mail(account: account, id: id) else { throw WebhookError.mailNotFound(String(id)) }
            return ok(found.json)
        case (.mailEvents(let segment), _):
            let id = try await mailer.mailID(account: account, try WireDecoding.name(segment))
            let asked = try WireDecoding.engagement(try body(of: request, limit: limit))
            _ = try await mailer.engage(account: account, mail: id, event: asked.event, url: asked.url)
            guard let found = try await mailer.store.mail(account: account, id: id) else { throw WebhookError.mailNotFound(String(id)) }
            return ok(found.json)
        default:
            throw WebhookError.routeNotFound(String(request.path.prefix(200)))
        }
    }

    func sending() throws(WebhookError) -> Mailer {
        guard let mailer else { throw .routeNotFound("this server does not send mail") }
        return mailer
    }

    func delivering() throws(WebhookError) -> Dispatcher {
        guard let dispatcher else { throw .routeNotFound("this server does not deliver events") }
        return dispatcher
    }

    /// The caller's account, as a service. A header that authenticated before is not hashed
    /// and looked up again: clients send the same one on every request.
    func authenticatedService(_ header: String?) async throws(WebhookError) -> Session {
        guard let header else { throw .authenticationFailed }
        if let known = sessions.session(for: header) { return known }
        guard let credentials = BasicCredentials(header: header) else { throw .authenticationFailed }
        let account = try await backend.authenticate(apiUser: credentials.apiUser, apiKey: credentials.apiKey)
        let session = (account, try await backend.webhooks(account: account), credentials.apiUser)
        sessions.remember(header, session)
        return session
    }

    /// `GET /v1/health`: 200 while the store answers, else 503 with why, so that a load
    /// balancer sends nothing to a node that cannot serve. No credentials: it tells nothing
    /// about any account.
    func health() async -> ServerResponse {
        do throws(WebhookError) {
            try await backend.checkHealth()
            return ok(.object([("status", .string("ok")), ("node", .string(node)), ("store", .string("reachable"))]))
        } catch {
            var body = error.json
            if case .object(let members) = body { body = .object(members + [("node", .string(node))]) }
            return WebhookResponder.json(body, status: error.httpStatus)
        }
    }

    /// The body, refused with 413 as soon as it passes `limit` (64 KiB; a mail's 70 MB on the
    /// send routes).
    /// The server read it up to the route's limit (`bodyLimit`); past it, the answer is 413
    /// once the request got this far (authenticated, routed, its method allowed).
    func body(of request: ServerRequest, limit: Int) throws(WebhookError) -> [UInt8] {
        switch request.body {
        case .bytes(let buffer): return Array(buffer.readableBytesView)
        case .tooLarge: throw .bodyTooLarge(limit: limit)
        }
    }

    /// How much of a request's body the server reads: a mail's 70 MB on the send routes, 64 KiB
    /// on every other path (unknown ones included).
    func bodyLimit(path: String) -> Int {
        (try? ServerRoute(path: path))?.takesMail == true ? MailRules.maxMailBytes : WebhookResponder.maxBodyBytes
    }

    /// The server stops: every follow of `/v1/stream` ends, so that its connection can close.
    func stopping() { follows.stopAll() }

    func ok(_ body: JSON) -> ServerResponse { WebhookResponder.json(body, status: 200) }

    static let jsonHeaders: HTTPHeaders = ["Content-Type": "application/json; charset=utf-8"]

    static func json(_ body: JSON, status: Int) -> ServerResponse { json(bytes: body.bytes, status: status) }

    static func json(bytes: [UInt8], status: Int) -> ServerResponse {
        ServerResponse(status: status, headers: jsonHeaders, body: .bytes(ByteBuffer(bytes: bytes)))
    }

    /// `GET /v1/openapi.yaml`: the document, made once.
    static let openAPIDocument = ServerResponse(status: 200, headers: ["Content-Type": "application/yaml; charset=utf-8"],
                                                body: .bytes(ByteBuffer(string: OpenAPIDocument.text)))
}

/// Authorization headers that authenticated, with their account's service. Accounts and keys
/// are given when a server starts, so an entry stays right until some node grants a key: a
/// shared store says so (`onAccountsChanged`), and the cache is emptied. It is bounded so that a
/// flood of distinct valid headers cannot grow it without end.
final class SessionCache: Sendable {
    private let entries = Mutex<[String: Session]>([:])
    static let limit = 4096

    func session(for header: String) -> Session? {
        entries.withLock { $0[header] }
    }

    func forgetAll() { entries.withLock { $0.removeAll() } }

    func remember(_ header: String, _ session: Session) {
        entries.withLock { entries in
            if entries.count >= SessionCache.limit { entries.removeAll() }
            entries[header] = session
        }
    }
}

/// An authenticated caller: its account's name, its webhooks, and the API_USER it came as.
typealias Session = (account: String, service: any AsyncWebhookService, apiUser: String)
