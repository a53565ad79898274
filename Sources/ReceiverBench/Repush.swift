import WebhookCore
import WebhookDelivery
import WhsSupport

/// `repush FILE url=URL`: the pushes `listen --save` kept, sent again to one URL, one at a
/// time in file order. Each body goes unchanged; the timestamp and signature are made now,
/// with the current key and form, as a redelivery's are: what a handler that refuses old
/// timestamps (as it should) accepts.
public enum Repush {
    /// What one saved push got.
    public struct Result: Sendable {
        public let push: SavedPush
        public let outcome: PushSender.Outcome

        public var received: Bool { outcome.status.map(PushSender.isReceived) ?? false }

        /// `{"line","event","message_id","status","latency_ms","error"}`.
        public var json: JSON {
            .object([
                ("line", .int(push.line)),
                ("event", push.event.map { .string($0) } ?? .null),
                ("message_id", push.messageID.map { .string($0) } ?? .null),
                ("status", outcome.status.map { .int($0) } ?? .null),
                ("latency_ms", .double((outcome.latencyMilliseconds * 10).rounded() / 10)),
                ("error", outcome.error.map { .string($0) } ?? .null),
            ])
        }

        /// `line 3  deliver  1764..._00001  -> 200 in 2.1 ms`.
        public var line: String {
            let answer = outcome.status.map { "\($0) in \(RelayOutcome.latency(outcome.latencyMilliseconds))" } ?? (outcome.error ?? "no answer")
            let failure = received || outcome.status == nil ? "" : "  (\(outcome.error ?? "not received"))"
            return "line \(push.line)  \(push.event ?? "?")  \(push.messageID ?? "-")  -> \(answer)\(failure)"
        }
    }

    /// Pushes `pushes` to `url` in order, each after the one before has its answer.
    public static func run(_ pushes: [SavedPush], url: String, appKey: String, signature: Signature.Variant,
                           onResult: @escaping @Sendable (Result) -> Void = { _ in }) async -> [Result] {
        let sender = PushSender(connectionsPerHost: 1)
        var results: [Result] = []
        for push in pushes {
            let outcome = await sender.send(url: url, body: push.body, appKey: appKey, signature: signature)
            let result = Result(push: push, outcome: outcome)
            results.append(result)
            onResult(result)
        }
        return results
    }
}
