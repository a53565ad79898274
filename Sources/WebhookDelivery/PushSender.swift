import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import WebhookCore
import WhsSupport

/// Sends one push: POST the body with the signature headers, wait at most `timeout` for the
/// whole answer, and say how it went. Redirects are not followed: a webhook answers where it
/// was registered, or the push failed.
public final class PushSender: Sendable {
    let client: HTTPClient
    public let timeout: Double
    let policy: PushPolicy
    /// Answers up to this size are read (and dropped); a longer one is cut off, not a failure.
    static let maxAnswerBytes = 64 * 1024

    public init(timeout: Double = 3, connectionsPerHost: Int = 32, policy: PushPolicy = .anywhere) {
        self.policy = policy
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .milliseconds(Int64(timeout * 1000)), read: .milliseconds(Int64(timeout * 1000)))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost)
        // A refused connection is a failed attempt at once; the retry schedule decides what
        // comes next, not the client's own reconnect loop (which would use up the 3 s).
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.decompression = .disabled
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.timeout = timeout
    }

    deinit { try? client.syncShutdown() }

    public struct Outcome: Sendable {
        public init(status: Int?, latencyMilliseconds: Double, error: String?, refused: Bool = false) {
            self.status = status
            self.latencyMilliseconds = latencyMilliseconds
            self.error = error
            self.refused = refused
        }

        public let status: Int?
        public let latencyMilliseconds: Double
        /// nil for a 200 or 204 answer.
        public let error: String?
        /// Refused by the push policy: retrying cannot help.
        public var refused = false
    }

    /// The headers of a push made at `timestamp` (unix seconds) for an account's key, signed
    /// in `signature`'s form; `forged`: signed with a key that is not the account's (a
    /// `badsig` fault).
    public static func headers(timestamp: Int, appKey: String, signature: Signature.Variant = .standard, forged: Bool = false) -> [(String, String)] {
        let stamp = String(timestamp)
        return [
            ("Content-Type", "application/json; charset=utf-8"),
            ("User-Agent", "whs-webhooks/1"),
            ("X-WebHook-Timestamp", stamp),
            ("X-WebHook-AppKey", Signature.appKeyHeaderValue),
            ("X-WebHook-Signature", forged ? Signature.forged(signature, timestamp: stamp) : Signature.sign(signature, timestamp: stamp, appKey: appKey)),
        ]
    }

    /// "You need to return HTTP Status Code 200 within 3s. Otherwise, EngageLab will resend"
    /// ("Learn about WebHook"): 200 and 204 are success, any other status is resent.
    public static func isReceived(_ status: Int) -> Bool { status == 200 || status == 204 }

    /// Why an answer with `status` failed the attempt.
    public static func failure(status: Int) -> String {
        (200..<300).contains(status) ? "HTTP \(status) (only 200 and 204 count as received)" : "HTTP \(status)"
    }

    public func send(url: String, body: [UInt8], appKey: String, signature: Signature.Variant = .standard, forged: Bool = false) async -> Outcome {
        let started = ContinuousClock.now
        func elapsed() -> Double {
            let duration = ContinuousClock.now - started
            return Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        }
        if let refusal = policy.refusal(url: url) {
            return Outcome(status: nil, latencyMilliseconds: 0, error: refusal, refused: true)
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in PushSender.headers(timestamp: Int(Clock.now()), appKey: appKey, signature: signature, forged: forged) { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, deadline: .now() + .milliseconds(Int64(timeout * 1000)))
            var received = 0
            for try await part in response.body {
                received += part.readableBytes
                if received > PushSender.maxAnswerBytes { break }
            }
            let status = Int(response.status.code)
            return Outcome(status: status, latencyMilliseconds: elapsed(), error: PushSender.isReceived(status) ? nil : PushSender.failure(status: status))
        } catch {
            return Outcome(status: nil, latencyMilliseconds: elapsed(), error: PushSender.describe(error, timeout: timeout))
        }
    }

    /// A failure in words: "timed out after 3 s", "connection refused"...
    static func describe(_ error: any Error, timeout: Double) -> String {
        let timedOut = "timed out after \(RetrySchedule.format(timeout)) s"
        if let client = error as? HTTPClientError {
            switch client {
            case .deadlineExceeded, .readTimeout, .connectTimeout: return timedOut
            case .remoteConnectionClosed: return "the receiver closed the connection"
            case .redirectLimitReached, .redirectCycleDetected: return "redirected (not followed)"
            default: break
            }
        }
        let text = String(describing: error)
        if text.contains("onnection refused") { return "connection refused" }
        if text.contains("imeout") || text.contains("deadline") { return timedOut }
        return String(text.prefix(200))
    }
}
