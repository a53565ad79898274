import Crypto
import WhsSupport

extension KeyHash {
    /// The first 8 hex digits of SHA-256 of a key: enough to tell which key a log line means
    /// (compare with `printf %s KEY | sha256sum`), nothing to sign with. `whs serve` prints it
    /// instead of an app key when its output is not a terminal (docs/OPERATIONS.md, "Logs").
    public static func fingerprint(_ key: String) -> String {
        String(Hex.encode(SHA256.hash(data: Array(key.utf8))).prefix(8))
    }
}
