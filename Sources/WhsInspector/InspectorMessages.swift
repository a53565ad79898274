/// One request to the inspector, as the server hands it over: the inspector never sees the
/// server's own types (or a framework's), so that it can be mounted on any of them and tested
/// without a socket.
public struct InspectorRequest: Sendable {
    public let method: String
    /// The path, from `/ui` on, percent-encoded as sent.
    public let path: String
    /// The query string without its `?`; nil when there is none.
    public let query: String?
    public let headers: [(String, String)]
    public let body: [UInt8]
    /// The peer's address as the server saw it (`127.0.0.1`, `::1`...); "" when unknown. A
    /// trusted proxy's `X-Forwarded-Proto` is believed only from the addresses `--trust-proxy`
    /// names.
    public let peer: String

    public init(method: String, path: String, query: String?, headers: [(String, String)], body: [UInt8], peer: String) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.peer = peer
    }

    /// The first value of a header, by name in any case.
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.0.lowercased() == lowered }?.1
    }
}

/// The inspector's answer: a status, headers, and the body whole or as a stream of
/// Server-Sent Events chunks (the live page), which ends when the client goes away.
public struct InspectorResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: Body

    public enum Body: Sendable {
        case bytes([UInt8])
        case stream(AsyncStream<[UInt8]>)
    }

    public init(status: Int, headers: [(String, String)], body: Body) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The bytes of a whole body; empty for a stream.
    public var bytes: [UInt8] {
        if case .bytes(let bytes) = body { return bytes }
        return []
    }
}
