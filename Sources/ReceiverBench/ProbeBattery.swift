import WebhookCore
import WebhookDelivery
import WhsSupport

/// One check of `whs probe`: what is pushed, how it is signed, and what the receiver must
/// answer (docs/DELIVERY.md, "whs probe").
public struct ProbeCheck: Sendable {
    public enum Signing: Sendable, Equatable {
        case valid(Signature.Variant)
        /// The right form with a wrong key (`Signature.forged`).
        case forged
        /// No X-WebHook-Signature header at all.
        case missing
        /// A valid signature over a timestamp this many seconds old: a captured push replayed.
        case stale(seconds: Int)
    }

    public enum Expectation: Sendable, Equatable {
        /// 200 or 204 within the deadline, else fail; slower than the warning time, warn.
        case accepted
        /// 200 or 204, else a warning only: a receiver that checks only what production sends
        /// is right to refuse it.
        case acceptedPreferably
        /// A 4xx, else fail (a 2xx took it, a 5xx asks for the push again).
        case refused
    }

    public let name: String
    /// What was pushed, for a reason: "a deliver event signed md5".
    public let what: String
    public let signing: Signing
    public let body: [UInt8]
    /// 2: the same body pushed twice (a redelivery), each time with its own timestamp.
    public let times: Int
    public let expectation: Expectation
    /// Said after a warning or failure: what to do about it.
    public let advice: String

    public init(name: String, what: String, signing: Signing, body: [UInt8], times: Int = 1, expectation: Expectation, advice: String) {
        self.name = name
        self.what = what
        self.signing = signing
        self.body = body
        self.times = times
        self.expectation = expectation
        self.advice = advice
    }
}

/// The fixed battery, in the order a receiver sees it.
public enum ProbeBattery {
    /// The events in the order a mail lives them, then the engagement events.
    static let events = ["request", "deliver", "sent", "invalid", "soft_bounce", "open", "click", "unsubscribe", "report_spam"]
    /// The check that also finds out whether anything answers at the URL.
    public static var firstCheckName: String { "md5 " + events[0] }
    /// How old the replayed push's timestamp is: hours, where a receiver's window is minutes.
    public static let staleSeconds = 3 * 3600

    /// Every check, bodies made now (each with its own message id).
    public static func checks(at now: Double = Clock.now()) -> [ProbeCheck] {
        var checks: [ProbeCheck] = []
        for name in events {
            checks.append(ProbeCheck(name: "md5 \(name)", what: "the \(name) event signed md5", signing: .valid(.md5),
                                     body: body(name, at: now), expectation: .accepted,
                                     advice: "every event must get 200 or 204 within 3 s, or it is pushed again"))
        }
        for name in events {
            checks.append(ProbeCheck(name: "hmac-sha256 \(name)", what: "the \(name) event signed hmac-sha256", signing: .valid(.hmacSHA256),
                                     body: body(name, at: now), expectation: .acceptedPreferably,
                                     advice: "production signs md5; the WebHook page documents hmac-sha256 too"))
        }
        checks.append(ProbeCheck(name: "wrong signature", what: "a push signed with a wrong key", signing: .forged,
                                 body: body("deliver", at: now), expectation: .refused,
                                 advice: "compare the signature with one computed from your app key, and refuse it with a 4xx"))
        checks.append(ProbeCheck(name: "no signature", what: "a push without X-WebHook-Signature", signing: .missing,
                                 body: body("deliver", at: now), expectation: .refused,
                                 advice: "a push without a signature is not from EngageLab: refuse it with a 4xx"))
        checks.append(ProbeCheck(name: "stale timestamp", what: "a push signed 3 h ago (a replay)", signing: .stale(seconds: staleSeconds),
                                 body: body("deliver", at: now - Double(staleSeconds)), expectation: .refused,
                                 advice: "refuse an X-WebHook-Timestamp more than a few minutes old, or a captured push can be replayed"))
        checks.append(ProbeCheck(name: "same push twice", what: "the same push twice", signing: .valid(.md5),
                                 body: body("deliver", at: now), times: 2, expectation: .accepted,
                                 advice: "a redelivery (same message_id) must be acknowledged again, or it is retried; deduplicate by message_id"))
        checks.append(ProbeCheck(name: "largest custom_args", what: "custom_args of \(MailRules.maxCustomArgsBytes) bytes", signing: .valid(.md5),
                                 body: body("deliver", at: now, data: .object([("custom_args", largestCustomArgs)])), expectation: .accepted,
                                 advice: "a send may carry custom_args of up to 1 KB, and every push of its mail repeats them"))
        checks.append(ProbeCheck(name: "longest subject", what: "a subject of \(MailRules.maxSubject) characters", signing: .valid(.md5),
                                 body: body("deliver", at: now, data: .object([("subject", .string(longestSubject))])), expectation: .accepted,
                                 advice: "a subject may have up to 256 characters, emoji and other scripts included"))
        return checks
    }

    static func body(_ event: String, at now: Double, data: JSON? = nil) -> [UInt8] {
        let trigger = EventTrigger(event: EventType.named(event)!, to: "probe@example.com", data: data)
        // Only a `data` that is not an object can fail, and none here is.
        return ((try? EventPayload.build(trigger, at: now)) ?? .null).bytes
    }

    /// `{"campaign":"whs-probe","order":"...","padding":"xxx..."}`: exactly the largest
    /// custom_args a send may carry, as JSON text.
    public static let largestCustomArgs: JSON = {
        let start: [(key: String, value: JSON)] = [("campaign", .string("whs-probe")), ("order", .string("A-1024")), ("padding", .string(""))]
        let size = JSON.object(start).bytes.count
        return .object(start.dropLast() + [("padding", .string(String(repeating: "x", count: MailRules.maxCustomArgsBytes - size)))])
    }()

    /// The longest subject a send may have, in characters (Unicode scalars, as MailRules
    /// counts them), with accents, CJK and an emoji outside the BMP.
    public static let longestSubject: String = {
        let start = "Longest subject (256 characters): Grüße, 日本語, 📬 "
        return start + String(repeating: ".", count: MailRules.maxSubject - start.unicodeScalars.count)
    }()
}
