/// What a server built on `HTTPServer` answers with: `whs serve`'s API (`WebhookResponder`) and
/// `whs listen`'s receiver (`PushReceiver`) are two of these over one HTTP/1.1 pipeline.
public protocol ServerResponder: Sendable {
    /// The answer to one request, its body already read (up to `bodyLimit`).
    func respond(to request: ServerRequest) async -> ServerResponse
    /// How much of a request's body to read for `path` (without its query); past it the
    /// request reaches `respond` with a `.tooLarge` body and the connection closes after.
    func bodyLimit(path: String) -> Int
    /// The server is stopping: end what would keep a connection open (streams).
    func stopping()
}

extension ServerResponder {
    public func stopping() {}
}
