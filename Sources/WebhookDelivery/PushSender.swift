import WebhookCore
import WhsSupport

/// Sends one push: POST the body with the signature headers, wait at most `timeout` for the
/// whole answer, and say how it went. Redirects are not followed: a webhook answers where it
/// was registered, or the push failed. The connections are `PushClient`'s, pooled per origin.
public final class PushSender: Sendable {
    let client: PushClient
    public let timeout: Double
    let policy: PushPolicy

    public convenience init(timeout: Double = 3, connectionsPerHost: Int = 32, policy: PushPolicy = .anywhere) {
        self.init(timeout: timeout, client: PushClient(connectionsPerOrigin: connectionsPerHost, policy: policy), policy: policy)
    }

    init(timeout: Double, client: PushClient, policy: PushPolicy) {
        self.policy = policy
        self.client = client
        self.timeout = timeout
    }

    deinit { client.shutdown() }

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
        let target: PushTarget
        switch PushTarget.parse(url) {
        case .success(let parsed): target = parsed
        case .failure(let failure): return Outcome(status: nil, latencyMilliseconds: 0, error: failure.reason(timeout: timeout))
        }
        do {
            let headers = PushSender.headers(timestamp: Int(Clock.now()), appKey: appKey, signature: signature, forged: forged)
            let status = try await client.post(target, headers: headers, body: body, timeout: timeout)
            return Outcome(status: status, latencyMilliseconds: elapsed(), error: PushSender.isReceived(status) ? nil : PushSender.failure(status: status))
        } catch {
            if case .refused(let refusal) = error { return Outcome(status: nil, latencyMilliseconds: 0, error: refusal, refused: true) }
            return Outcome(status: nil, latencyMilliseconds: elapsed(), error: error.reason(timeout: timeout))
        }
    }
}
