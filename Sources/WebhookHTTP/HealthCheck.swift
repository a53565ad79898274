import AsyncHTTPClient
import Dispatch
import Glibc
import NIOCore
import NIOHTTP1
import Synchronization
import WebhookCore
import WhsSupport

/// `whs health URL`: one GET of a node's health route, for a container's HEALTHCHECK or a
/// readiness probe. Waited for on the calling thread, as RemoteService waits.
public enum HealthCheck {
    /// What the node answered, or why nothing usable came.
    public struct Outcome: Sendable {
        /// The route asked (`http://127.0.0.1:8080/v1/health`).
        public let url: String
        /// The status, when the node answered.
        public let status: Int?
        /// The answer's body (cut to 200 characters), or why there was none.
        public let detail: String
        public let milliseconds: Double

        public var isHealthy: Bool { status == 200 }
    }

    /// `base` is a node's base URL (`http://127.0.0.1:8080`); `/v1/health` is added unless it
    /// is there already.
    public static func route(_ base: String) throws(WebhookError) -> String {
        var url = base
        while url.hasSuffix("/") { url.removeLast() }
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), (try? Validation.url(url)) != nil else {
            throw .invalidParameter("the node must be an http:// or https:// URL, got \(Validation.quoted(base))")
        }
        return url.hasSuffix("/v1/health") ? url : url + "/v1/health"
    }

    /// Asks `url` (a route from `route(_:)`) and waits at most `timeout` seconds in all.
    public static func ask(_ url: String, timeout: Double) -> Outcome {
        let start = Clock.now()
        func outcome(_ status: Int?, _ detail: String) -> Outcome {
            Outcome(url: url, status: status, detail: detail, milliseconds: (Clock.now() - start) * 1000)
        }
        // The client retries a refused connection until its deadline; a node that is not
        // there is said at once.
        if let refusal = refusedConnection(url, timeout: timeout) { return outcome(nil, refusal) }
        let remaining = max(0.1, timeout - (Clock.now() - start))
        let deadline = TimeAmount.milliseconds(Int64(remaining * 1000))
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: deadline, read: deadline)
        configuration.redirectConfiguration = .disallow
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        defer { try? client.syncShutdown() }
        let request: HTTPClient.Request
        do { request = try HTTPClient.Request(url: url, method: .GET) } catch { return outcome(nil, "cannot ask \(url): \(error)") }
        let task = client.execute(request: request, delegate: ResponseAccumulator(request: request, maxBodySize: 1 << 16), deadline: .now() + deadline)
        let result = Mutex<Result<HTTPClient.Response, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        task.futureResult.whenComplete { answer in
            result.withLock { $0 = answer }
            done.signal()
        }
        if done.wait(timeout: .now() + .milliseconds(Int(remaining * 1000) + 250)) == .timedOut {
            task.cancel()
            return outcome(nil, "\(url) did not answer within \(RetrySchedule.format(timeout)) s")
        }
        switch result.withLock({ $0! }) {
        case .success(let response):
            var body = response.body.map { String(decoding: $0.readableBytesView, as: UTF8.self) } ?? ""
            while body.last == "\n" || body.last == "\r" { body.removeLast() }
            if body.count > 200 { body = String(body.prefix(200)) + "..." }
            return outcome(Int(response.status.code), body)
        case .failure(let error):
            if let client = error as? HTTPClientError, client == .deadlineExceeded || client == .readTimeout || client == .connectTimeout {
                return outcome(nil, "\(url) did not answer within \(RetrySchedule.format(timeout)) s")
            }
            return outcome(nil, RemoteService.describe(error, baseURL: url).message)
        }
    }

    /// Why nothing can be connected to at `url`'s host and port (refused, no such host, no
    /// connection within `timeout`), or nil when a connection was made.
    static func refusedConnection(_ url: String, timeout: Double) -> String? {
        guard let (host, port) = hostAndPort(url) else { return "cannot ask \(url): no host in it" }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let first = found else {
            return "cannot connect to \(url): no such host \(host)"
        }
        defer { freeaddrinfo(first) }
        var why = "connection refused"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            let socket = Glibc.socket(address.pointee.ai_family, address.pointee.ai_socktype | Int32(SOCK_NONBLOCK.rawValue), address.pointee.ai_protocol)
            guard socket >= 0 else { continue }
            defer { close(socket) }
            if connect(socket, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return nil }
            guard errno == EINPROGRESS else { why = String(cString: strerror(errno)).lowercased(); continue }
            var poller = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
            guard poll(&poller, 1, Int32(timeout * 1000)) == 1 else { return "\(url) did not answer within \(RetrySchedule.format(timeout)) s" }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(socket, SOL_SOCKET, SO_ERROR, &error, &length)
            if error == 0 { return nil }
            why = String(cString: strerror(error)).lowercased()
        }
        return "cannot connect to \(url): \(why)"
    }

    /// The host (without brackets) and port of an http(s) URL.
    static func hostAndPort(_ url: String) -> (String, Int)? {
        guard let schemeEnd = url.firstRange(of: "://") else { return nil }
        let secure = url[..<schemeEnd.lowerBound].lowercased() == "https"
        var authority = url[schemeEnd.upperBound...]
        if let end = authority.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { authority = authority[..<end] }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var host = authority
        var port = secure ? 443 : 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let rest = authority[authority.index(after: close)...]
            if rest.hasPrefix(":") { guard let given = Int(rest.dropFirst()) else { return nil }; port = given }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            guard let given = Int(authority[authority.index(after: colon)...]) else { return nil }
            port = given
        }
        return host.isEmpty ? nil : (String(host), port)
    }
}
