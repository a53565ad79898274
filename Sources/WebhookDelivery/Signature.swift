import Crypto
import WebhookCore
import WhsSupport

/// Signing pushes and checking them (API.md, "Event push"; docs/DELIVERY.md). whs sends
/// `hex(HMAC-SHA256(key: app key, message: timestamp))`; a receiver accepts that and the two
/// MD5 forms EngageLab's pages also give, and says which one matched.
public enum Signature {
    /// The value of `X-WebHook-AppKey` on every push.
    public static let appKeyHeaderValue = "email"

    public enum Variant: String, Sendable, CaseIterable {
        /// (c) hex(HMAC-SHA256(app key, timestamp)): what whs sends.
        case hmacSHA256 = "hmac-sha256"
        /// (a) md5(timestamp + appkey + app_secret): the header's AppKey, then the secret.
        case md5AppKeyThenSecret = "md5-appkey-secret"
        /// (b) md5(timestamp + appkey + app_key): read as the account's key, then the
        /// header's AppKey (docs/DELIVERY.md says why).
        case md5KeyThenAppKey = "md5-key-appkey"
    }

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

    /// The signature whs sends.
    public static func sign(timestamp: String, appKey: String) -> String {
        compute(.hmacSHA256, timestamp: timestamp, appKeyHeader: appKeyHeaderValue, secret: appKey)
    }

    public static func compute(_ variant: Variant, timestamp: String, appKeyHeader: String, secret: String) -> String {
        switch variant {
        case .hmacSHA256:
            let code = HMAC<SHA256>.authenticationCode(for: Array(timestamp.utf8), using: SymmetricKey(data: Array(secret.utf8)))
            return Hex.encode(code)
        case .md5AppKeyThenSecret:
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

}
