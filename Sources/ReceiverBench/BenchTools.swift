import Glibc
import WebhookCore
import WebhookDelivery
import WhsSupport

/// The receiver bench for the shell (`probe`, `repush`, and `listen forward_to= save=`),
/// installed by the executable: the shell reaches it through WebhookCore's `ReceiverTools`.
public final class BenchTools: ReceiverTools {
    public init() {}

    public func probe(url: String, appKey: String, isInterrupted: @escaping @Sendable () -> Bool) throws(WebhookError) -> JSON {
        let url = try BenchTools.pushURL(url)
        let card = Blocking.run { () async -> Scorecard in await Probe(url: url, appKey: appKey).run(isInterrupted: isInterrupted) }
        if let unreachable = card.unreachable { throw .unreachable("cannot reach \(url): \(unreachable) (nothing was checked)") }
        return card.json
    }

    public func repush(file: String, url: String, appKey: String, signature: String) throws(WebhookError) -> JSON {
        let url = try BenchTools.pushURL(url)
        let form = try Signature.Variant.scheme(named: signature)
        let pushes = try SavedPush.read(file: file)
        let results = Blocking.run { () async -> [Repush.Result] in await Repush.run(pushes, url: url, appKey: appKey, signature: form) }
        return .array(results.map(\.json))
    }

    /// A URL pushes may go to: absolute http(s), as a webhook's.
    public static func pushURL(_ text: String) throws(WebhookError) -> String {
        try Validation.url(text)
    }

    /// A receiver for `options`: forwarding each push to `options.forwardTo` and saving it to
    /// `options.saveTo` when they are set. The save file is opened here, so that a file that
    /// cannot be written is an error before anything listens.
    public static func receiver(_ options: ListenOptions, onPush: @escaping @Sendable (ReceivedPush) -> Void = { _ in }) throws(WebhookError) -> PushReceiver {
        let relay = try options.forwardTo.map { url throws(WebhookError) in PushForwarder(url: try pushURL(url)) }
        guard let path = options.saveTo else { return PushReceiver(options, relay: relay, onPush: onPush) }
        let log = try PushLog(path: path)
        return PushReceiver(options, relay: relay) { push in
            if let failure = log.append(push) { BenchTools.warn("whs: listen: \(failure)") }
            onPush(push)
        }
    }

    /// A line on stderr, from a receiver's thread.
    static func warn(_ text: String) {
        let line = text + "\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }
}
