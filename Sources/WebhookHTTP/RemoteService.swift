import AsyncHTTPClient
import Dispatch
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization
import WebhookCore
import WhsSupport

/// A `WebhookService` that is a server speaking API.md: `whs serve`, or the real service over
/// https. Calls block their caller (a shell runs one statement at a time) and can be cut short
/// by `isInterrupted` (Ctrl-C). The server's `{"code","message"}` becomes the same typed error
/// a local store throws.
public final class RemoteService: WebhookService, @unchecked Sendable {
    public let baseURL: String
    public let apiUser: String
    let authorization: String
    let client: HTTPClient
    private let requestTimeout: TimeAmount
    private let isInterrupted: @Sendable () -> Bool

    /// `caFile`: the certificates (PEM) that https answers are checked against instead of the
    /// system's (`--ca-file`, `$SSL_CERT_FILE`), e.g. a team's own CA in front of `whs serve`.
    public init(baseURL: String, apiUser: String, apiKey: String, connectTimeout: Double = 3, requestTimeout: Double = 10,
                caFile: String? = nil, isInterrupted: @escaping @Sendable () -> Bool = { false }) throws(WebhookError) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        guard base.hasPrefix("http://") || base.hasPrefix("https://"), (try? Validation.url(base)) != nil else {
            throw .invalidParameter("the server must be an http:// or https:// URL, got \(Validation.quoted(baseURL))")
        }
        self.baseURL = base
        self.apiUser = apiUser
        authorization = BasicCredentials(apiUser: apiUser, apiKey: apiKey).header
        self.requestTimeout = .milliseconds(Int64(requestTimeout * 1000))
        self.isInterrupted = isInterrupted
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .milliseconds(Int64(connectTimeout * 1000)), read: self.requestTimeout)
        configuration.redirectConfiguration = .disallow
        if let caFile {
            guard (try? FileIO.read(caFile)) != nil else { throw .invalidParameter("the CA file \(Validation.quoted(caFile)) cannot be read") }
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(caFile)
            configuration.tlsConfiguration = tls
        }
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    deinit { try? client.syncShutdown() }

    public var backendDescription: String { "server \(baseURL) as \(apiUser)" }
    public var remoteEndpoint: RemoteEndpoint? { RemoteEndpoint(baseURL: baseURL, apiUser: apiUser) }

    public func list(_ query: WebhookQuery) throws(WebhookError) -> Page {
        try Decode.page(try send(.list(query)))
    }

    public func add(_ draft: WebhookDraft) throws(WebhookError) -> Webhook {
        let body = try send(.add(draft))
        guard case .array(let items)? = body["result"], let first = items.first else { throw Decode.unexpected(body) }
        return try Decode.webhook(first)
    }

    public func modify(id: Int, _ patch: WebhookPatch) throws(WebhookError) -> Int {
        try Decode.count(try send(.modify(id: id, patch)))
    }

    public func delete(id: Int) throws(WebhookError) -> Int {
        try Decode.count(try send(.delete(id: id)))
    }

    /// The API has no "get one": page through the list, as any client of the real service would.
    public func get(id: Int) throws(WebhookError) -> Webhook {
        try getByListing(id: id)
    }

    /// Sends one call and returns its JSON body, or throws the server's error. An idempotent
    /// call that never reached the server (the connection failed) is tried once more.
    func send(_ wire: WireRequest) throws(WebhookError) -> JSON {
        do throws(WebhookError) {
            return try execute(wire)
        } catch .unreachable(let why) where wire.isIdempotent && why.hasPrefix(RemoteService.connectFailure) {
            return try execute(wire)
        }
    }

    static let connectFailure = "cannot connect"

    /// One request, waited for on the calling thread. It uses the client's future-based API, not
    /// async/await: a caller that blocks a thread of the cooperative pool (a test runner, a
    /// server handler) must not wait for work that needs that same pool to finish.
    private func execute(_ wire: WireRequest) throws(WebhookError) -> JSON {
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: authorization)
        headers.add(name: "Accept", value: "application/json")
        var body: HTTPClient.Body?
        if let json = wire.body {
            headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
            body = .string(json.text)
        }
        let request: HTTPClient.Request
        do {
            request = try HTTPClient.Request(url: baseURL + wire.target, method: HTTPMethod(rawValue: wire.method.rawValue), headers: headers, body: body)
        } catch {
            throw .invalidParameter("cannot make a request to \(baseURL + wire.target): \(error)")
        }
        let task = client.execute(request: request, delegate: ResponseAccumulator(request: request, maxBodySize: 8 << 20),
                                  deadline: .now() + requestTimeout)
        let outcome = Mutex<Result<HTTPClient.Response, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        task.futureResult.whenComplete { result in
            outcome.withLock { $0 = result }
            done.signal()
        }
        while done.wait(timeout: .now() + .milliseconds(50)) == .timedOut {
            if isInterrupted() {
                task.cancel()
                done.wait()
                throw .unreachable("request interrupted")
            }
        }
        let response: HTTPClient.Response
        switch outcome.withLock({ $0! }) {
        case .success(let value): response = value
        case .failure(let error): throw RemoteService.describe(error, baseURL: baseURL)
        }
        let status = Int(response.status.code)
        let bytes = response.body.map { Array($0.readableBytesView) } ?? []
        let json = try? JSON.parse(bytes: bytes)
        guard (200..<300).contains(status) else {
            if let json, case .int(let code)? = json["code"], case .string(let message)? = json["message"] {
                throw WebhookError(code: code, status: status, message: message)
            }
            throw WebhookError.server(code: 0, status: status, message: "the server answered HTTP \(status)")
        }
        guard let json else { throw WebhookError.server(code: 0, status: status, message: "the server's answer is not JSON") }
        return json
    }

    /// Why a request got no answer, in words: connection refused, timed out, TLS...
    static func describe(_ error: any Error, baseURL: String) -> WebhookError {
        let text = String(describing: error)
        if let client = error as? HTTPClientError {
            switch client {
            case .connectTimeout: return .unreachable("\(connectFailure) to \(baseURL): timed out")
            case .readTimeout, .deadlineExceeded: return .unreachable("\(baseURL) did not answer in time")
            case .remoteConnectionClosed: return .unreachable("\(baseURL) closed the connection")
            case .cancelled: return .unreachable("request interrupted")
            default: break
            }
        }
        if error is NIOSSLError || text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("handshakeFailed") {
            return .unreachable("TLS to \(baseURL) failed: its certificate is not trusted (trust its CA with --ca-file PATH or $SSL_CERT_FILE)")
        }
        if text.contains("onnection refused") || text.contains("NIOConnectionError") || text.contains("connectTimeout") {
            return .unreachable("\(connectFailure) to \(baseURL): \(text.contains("refused") ? "connection refused" : "no answer")")
        }
        return .unreachable("request to \(baseURL) failed: \(text.prefix(200))")
    }
}

/// The API's answers as core types.
enum Decode {
    static func unexpected(_ json: JSON) -> WebhookError {
        .server(code: 0, status: 200, message: "unexpected answer from the server: \(json.text.prefix(200))")
    }

    static func page(_ json: JSON) throws(WebhookError) -> Page {
        guard case .array(let items)? = json["result"], case .int(let total)? = json["total"] else { throw unexpected(json) }
        var webhooks: [Webhook] = []
        for item in items { webhooks.append(try webhook(item)) }
        return Page(webhooks: webhooks, total: total)
    }

    static func webhook(_ json: JSON) throws(WebhookError) -> Webhook {
        guard case .int(let id)? = json["id"], case .string(let url)? = json["url"], case .array(let codes)? = json["event"] else {
            throw unexpected(json)
        }
        var events = EventSet(mask: 0)
        for code in codes {
            guard case .int(let value) = code, let event = EventType.withCode(value) else { throw unexpected(json) }
            events.insert(event)
        }
        let apiUser: String
        switch json["api_user"] {
        case .string(let name)?: apiUser = name
        default: apiUser = ""
        }
        return Webhook(id: id, url: url, events: events, apiUser: apiUser)
    }

    static func count(_ json: JSON) throws(WebhookError) -> Int {
        guard case .int(let count)? = json["count"] else { throw unexpected(json) }
        return count
    }
}
