import Crypto
import WebhookCore
import WhsSupport

/// How a store keeps an API key: a random 16-byte salt and SHA-256(salt + key). API keys are
/// long random tokens, not passwords a person chose, so a fast hash is enough to keep a stolen
/// store from yielding keys; the salt keeps equal keys from looking equal.
public struct KeyHash: Sendable, Equatable {
    public let salt: [UInt8]
    public let hash: [UInt8]

    public init(salt: [UInt8], hash: [UInt8]) {
        self.salt = salt
        self.hash = hash
    }

    public static func make(_ key: String) -> KeyHash {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return KeyHash(salt: salt, hash: digest(salt: salt, key: key))
    }

    public func matches(_ key: String) -> Bool {
        constantTimeEqual(KeyHash.digest(salt: salt, key: key), hash)
    }

    static func digest(salt: [UInt8], key: String) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: salt)
        hasher.update(data: Array(key.utf8))
        return Array(hasher.finalize())
    }

    /// A fresh app key: 32 random bytes as hex.
    public static func newAppKey() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}

/// The same work for every wrong answer: an unknown API_USER costs a hash too, so timing does
/// not tell which API_USERs exist.
public let decoyKeyHash = KeyHash.make("decoy")
