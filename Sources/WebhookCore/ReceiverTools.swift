import WhsSupport

/// The receiver bench as the shell sees it (`probe`, `repush`; docs/DELIVERY.md): the
/// executable fills it in with ReceiverBench, so that the shell imports no HTTP client.
/// Both push only to the URL they are given.
public protocol ReceiverTools: AnyObject {
    /// Pushes the probe's battery at `url`, signed with `appKey`, one check after another;
    /// the scorecard `{"url","checks":[{"name","result","reason","status","latency_ms"}],
    /// "summary"}`. Throws `.unreachable` when nothing answers at `url` at all (then nothing
    /// else is sent); `isInterrupted` is asked between checks (Ctrl-C).
    func probe(url: String, appKey: String, isInterrupted: @escaping @Sendable () -> Bool) throws(WebhookError) -> JSON

    /// Pushes what `file` saved (`listen save=FILE`) to `url` again, one at a time in file
    /// order, each body unchanged and signed now with `appKey` in `signature`'s form (`md5`,
    /// `hmac-sha256`); what each got, `[{"line","event","message_id","status","latency_ms",
    /// "error"}]`. The whole file is read and checked first: a broken line is an error that
    /// names it, and nothing is pushed.
    func repush(file: String, url: String, appKey: String, signature: String) throws(WebhookError) -> JSON
}
