import NIOCore
import NIOHTTP1

/// One request as a `ServerResponder` sees it: the head as sent, the body already read
/// (up to the route's limit), and the connection it came on. The server's own type rather than
/// a framework's, so that the responder does not depend on how HTTP is spoken to it.
public struct ServerRequest: Sendable {
    public let method: HTTPMethod
    /// The request target as sent: the path and the query, percent-encoded.
    public let uri: String
    public let headers: HTTPHeaders
    public let body: Body
    /// The connection: its peer's address (`/metrics`), and its closing (`/v1/stream`).
    public let channel: any Channel

    /// What the server read of the body before answering.
    public enum Body: Sendable {
        case bytes(ByteBuffer)
        /// Longer than its route allows (the declared `Content-Length` or what arrived): the
        /// rest was not read, and the connection closes after the answer.
        case tooLarge
    }

    public init(method: HTTPMethod, uri: String, headers: HTTPHeaders, body: Body, channel: any Channel) {
        self.method = method
        self.uri = uri
        self.headers = headers
        self.body = body
        self.channel = channel
    }

    /// The path, without the query.
    public var path: String {
        guard let end = uri.utf8.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) else { return uri }
        return String(uri[..<end])
    }

    /// The query string without its `?`; nil when there is none.
    public var query: String? {
        guard let mark = uri.utf8.firstIndex(of: UInt8(ascii: "?")) else { return nil }
        let rest = uri[uri.index(after: mark)...]
        return String(rest.prefix { $0 != "#" })
    }

    /// The first value of a header, by name in any case.
    public subscript(header name: String) -> String? { headers.first(name: name) }

    /// True when the caller is this machine: a loopback address, IPv4, IPv6 or IPv4 in IPv6.
    public var callerIsLoopback: Bool {
        guard let address = channel.remoteAddress?.ipAddress else { return false }
        return address.hasPrefix("127.") || address == "::1" || address.hasPrefix("::ffff:127.")
    }
}

/// One answer of a `ServerResponder`: a status, headers, and either the whole body or a writer that
/// produces it piece by piece (Server-Sent Events) until it returns.
public struct ServerResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: Body

    public enum Body: Sendable {
        case bytes(ByteBuffer)
        /// Runs after the head is sent; each write reaches the client before it returns.
        case stream(@Sendable (any ServerBodyWriter) async throws -> Void)
    }

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: Body) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Where a streamed answer's pieces go.
public protocol ServerBodyWriter: Sendable {
    func write(_ buffer: ByteBuffer) async throws
}
