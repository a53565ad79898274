import Crypto
import WebhookCore
import WhsSupport

/// Signing pushes and checking them (docs/DELIVERY.md, docs/FIDELITY.md). EngageLab's pages
/// give two ways to sign, and whs sends either: `md5` (the "Learn about WebHook" page, and what
/// integrators observed in production: 32 hex digits) by default, `hmac-sha256` (the tip on
/// the "WebHook" page) when asked. A receiver accepts both, and the second reading of the MD5
/// formula, and says which one matched.
public enum Signature {
    /// The value of `X-WebHook-AppKey` on every push.
    public static let appKeyHeaderValue = "email"

    /// The forms a push can be signed in (WebhookCore's `SignatureForm`).
    public typealias Variant = SignatureForm

    public enum Verdict: Sendable, Equatable, CustomStringConvertible {
        case valid(Variant)
        /// Signed, but by no variant with this key.
        case invalid
        /// No timestamp or no signature header.
        case missing
        /// The receiver has no key to check with.
        case unchecked

        public var description: String {
            switch self {
            case .valid(let variant): "ok (\(variant.rawValue))"
            case .invalid: "INVALID"
            case .missing: "missing"
            case .unchecked: "unchecked (no app key)"
            }
        }

        /// One word for JSON and tables: the variant's name, or invalid/missing/unchecked.
        public var word: String {
            switch self {
            case .valid(let variant): variant.rawValue
            case .invalid: "invalid"
            case .missing: "missing"
            case .unchecked: "unchecked"
            }
        }
    }

    /// The signature of a push made at `timestamp`, in `variant`'s form.
    public static func sign(_ variant: Variant = .standard, timestamp: String, appKey: String) -> String {
        compute(variant, timestamp: timestamp, appKeyHeader: appKeyHeaderValue, secret: appKey)
    }

    public static func compute(_ variant: Variant, timestamp: String, appKeyHeader: String, secret: String) -> String {
        switch variant {
        case .hmacSHA256:
            let code = HMAC<SHA256>.authenticationCode(for: Array(timestamp.utf8), using: SymmetricKey(data: Array(secret.utf8)))
            return Hex.encode(code)
        case .md5:
            return Hex.encode(Insecure.MD5.hash(data: Array((timestamp + appKeyHeader + secret).utf8)))
        case .md5KeyThenAppKey:
            return Hex.encode(Insecure.MD5.hash(data: Array((timestamp + secret + appKeyHeader).utf8)))
        }
    }

    /// Which variant, if any, produced `signature` (hex, either case), compared in constant time.
    public static func verify(timestamp: String?, appKeyHeader: String?, signature: String?, secret: String?) -> Verdict {
        guard let timestamp, let signature, !timestamp.isEmpty, !signature.isEmpty else { return .missing }
        guard let secret, !secret.isEmpty else { return .unchecked }
        let given = Array(signature.lowercased().utf8)
        for variant in Variant.allCases {
            let expected = Array(compute(variant, timestamp: timestamp, appKeyHeader: appKeyHeader ?? appKeyHeaderValue, secret: secret).utf8)
            if constantTimeEqual(expected, given) { return .valid(variant) }
        }
        return .invalid
    }

    /// A signature no receiver should accept: the right form, the wrong key (a `badsig` fault,
    /// and `whs probe`'s forged push).
    public static func forged(_ variant: Variant, timestamp: String) -> String {
        sign(variant, timestamp: timestamp, appKey: "whs-forged-" + Hex.encode((0..<16).map { _ in UInt8.random(in: 0...255) }))
    }
}
