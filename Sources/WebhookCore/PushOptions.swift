import WhsSupport

/// The two ways EngageLab's pages say a push is signed (docs/FIDELITY.md, "Push headers");
/// the hashing lives with the pushes (`Signature` in WebhookDelivery). Named here so that the
/// shell's settings and the server's flags share one list.
public enum SignatureForm: String, Sendable, CaseIterable {
    /// hex(md5(timestamp + X-WebHook-AppKey + app key)): what whs sends by default.
    case md5 = "md5"
    /// hex(HMAC-SHA256(key: app key, message: timestamp)).
    case hmacSHA256 = "hmac-sha256"
    /// hex(md5(timestamp + app key + X-WebHook-AppKey)): the other order a reader of the
    /// page's words can take; recognised by receivers, never sent.
    case md5KeyThenAppKey = "md5-key-appkey"

    /// The forms whs signs with (`--signature`, `set signature`).
    public static let sendable: [SignatureForm] = [.md5, .hmacSHA256]
    /// "Learn about WebHook" and production observations agree on MD5.
    public static let standard = SignatureForm.md5

    /// A form whs can sign with, by name; the error lists the known ones.
    public static func scheme(named text: String) throws(WebhookError) -> SignatureForm {
        guard let form = SignatureForm(rawValue: text.lowercased()), sendable.contains(form) else {
            let names = sendable.map(\.rawValue)
            throw .invalidParameter("unknown signature \(Validation.quoted(text))\(Suggestion.hint(for: text, in: names)) (known: \(names.joined(separator: ", ")))")
        }
        return form
    }
}

/// How a dispatcher pushes: the retry schedule, the signature form, the time scale and whether
/// bodies carry fields no public source shows. `whs serve`'s flags and the shell's `set` fill
/// the same struct.
public struct PushOptions: Sendable, Equatable {
    public var schedule: RetrySchedule = .standard
    public var signature: SignatureForm = .standard
    /// Event and retry delays are divided by this (`--time-scale 3600`), so a test plays a
    /// production schedule in seconds; the 3 s answer deadline, leases and `sleep` are not.
    public var timeScale = 1.0
    /// Engagement details (ip, browser, os, user agent, a click's url) and status details
    /// (smtp_response, error_detail) that no public EngageLab source shows: off by default,
    /// so that application code cannot come to rely on them (docs/FIDELITY.md).
    public var payloadExtras = false

    public init() {}

    /// A delay of the schedule or of a mail's life, as this time scale plays it.
    public func scaled(_ seconds: Double) -> Double { seconds / timeScale }

    /// `--time-scale N` / `set time_scale N`: a number from 1 to 1,000,000.
    public static func timeScale(parsing text: String) throws(WebhookError) -> Double {
        guard let scale = Double(text), scale >= 1, scale <= 1_000_000 else {
            throw .invalidParameter("the time scale is a number from 1 to 1000000 (3600 plays an hour in a second), got \(Validation.quoted(text))")
        }
        return scale
    }
}
