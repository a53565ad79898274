import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import WebhookDelivery
import WhsSupport

/// `whs listen --forward-to URL`: each push goes on, unchanged, to the application's handler
/// (the same method and body, and the headers a handler reads: Content-Type and the three
/// X-WebHook-*), and its sender gets the handler's status and body back. A handler that does
/// not answer makes a 502 (504 after `timeout`).
public final class PushForwarder: PushRelay {
    public let url: String
    let timeout: Double
    let client: HTTPClient
    /// The headers passed on, in this order.
    public static let forwardedHeaders = ["content-type", "x-webhook-timestamp", "x-webhook-appkey", "x-webhook-signature"]
    /// A handler's answer is passed back up to this size.
    static let maxAnswerBytes = 1 << 20

    /// `timeout`: how long the handler may take; longer than the 3 s a sender waits, so that a
    /// slow handler is seen answering (its line says how long it took).
    public init(url: String, timeout: Double = 10) {
        self.url = url
        self.timeout = timeout
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .milliseconds(Int64(timeout * 1000)), read: .milliseconds(Int64(timeout * 1000)))
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.decompression = .disabled
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    // Not syncShutdown: the last reference may go on one of the client's own threads.
    deinit { client.shutdown { _ in } }

    public func relay(method: String, uri: String, headers: [(name: String, value: String)], body: [UInt8]) async -> RelayOutcome {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for name in PushForwarder.forwardedHeaders {
            for header in headers where header.name.lowercased() == name { request.headers.add(name: header.name, value: header.value) }
        }
        if !body.isEmpty || method == "POST" { request.body = .bytes(ByteBuffer(bytes: body)) }
        let started = ContinuousClock.now
        func elapsed() -> Double {
            let duration = ContinuousClock.now - started
            return Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        }
        do {
            let response = try await client.execute(request, deadline: .now() + .milliseconds(Int64(timeout * 1000)))
            var answer: [UInt8] = []
            for try await part in response.body where answer.count < PushForwarder.maxAnswerBytes {
                answer.append(contentsOf: part.readableBytesView.prefix(PushForwarder.maxAnswerBytes - answer.count))
            }
            let status = Int(response.status.code)
            return RelayOutcome(status: status, contentType: response.headers.first(name: "content-type"), body: answer,
                                handlerStatus: status, latencyMilliseconds: elapsed(), error: nil)
        } catch {
            let (reason, _) = Probe.describe(error, timeout: timeout)
            let timedOut = reason.hasPrefix("no answer within")
            let text = "whs listen: the handler at \(url) gave no answer: \(reason)\n"
            return RelayOutcome(status: timedOut ? 504 : 502, contentType: "text/plain; charset=utf-8", body: Array(text.utf8),
                                handlerStatus: nil, latencyMilliseconds: elapsed(), error: reason)
        }
    }
}
