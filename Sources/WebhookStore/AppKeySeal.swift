import Crypto
import Glibc
import WebhookCore
import WhsSupport

/// App keys sign pushes, so the store must be able to read them back: they cannot be hashed
/// like API keys. They are kept sealed (ChaCha20-Poly1305) under a key in a file of its own
/// beside the store (`STORE.key`, mode 0600), so a copy of the store file alone, a backup or a
/// file sent with a bug report, does not give the keys away. A shared store (PostgreSQL) is
/// given its key the same way by every node: a key file, or the key itself in hex
/// (docs/SCALING.md); never stored in the database beside what it seals.
public struct AppKeySeal: Sendable {
    let key: SymmetricKey
    static let prefix = "sealed:"

    /// The seal for the store at `storePath`, creating its key file on first use.
    static func forStore(at storePath: String) throws(WebhookError) -> AppKeySeal {
        try fromKeyFile(storePath + ".key")
    }

    /// 64 hex digits: a key given by a flag or the environment.
    public init(hex: String) throws(WebhookError) {
        guard let bytes = Hex.decode(String(hex.trimmingBlanks)), bytes.count == 32 else {
            throw .invalidParameter("a sealing key is 64 hex digits (32 bytes)")
        }
        key = SymmetricKey(data: bytes)
    }

    init(key: SymmetricKey) { self.key = key }

    /// The seal whose key is in the file at `path` (mode 0600), made there on first use.
    public static func fromKeyFile(_ path: String) throws(WebhookError) -> AppKeySeal {
        if let text = try? FileIO.read(path) {
            guard let bytes = Hex.decode(String(text.trimmingBlanks)), bytes.count == 32 else {
                throw .storage("\(path) is not a key file (64 hex digits)")
            }
            return AppKeySeal(key: SymmetricKey(data: bytes))
        }
        // Written aside and linked into place, so that a second process starting at the same
        // moment either wins or reads the complete file of the first, never half of one.
        let key = SymmetricKey(size: .bits256)
        let aside = "\(path).\(getpid())"
        do { try FileIO.write(key.withUnsafeBytes { Hex.encode($0) } + "\n", to: aside, mode: 0o600) } catch {
            throw .storage("\(aside): \(error)")
        }
        defer { unlink(aside) }
        if link(aside, path) != 0 {
            guard errno == EEXIST else { throw .storage("\(path): \(String(cString: strerror(errno)))") }
            return try fromKeyFile(path)
        }
        return AppKeySeal(key: key)
    }

    public func seal(_ appKey: String) throws(WebhookError) -> String {
        do {
            let box = try ChaChaPoly.seal(Array(appKey.utf8), using: key)
            return AppKeySeal.prefix + Hex.encode(box.combined)
        } catch {
            throw .storage("cannot seal an app key: \(error)")
        }
    }

    /// The app key in `stored`; nil if it was not sealed (a store from before sealing).
    public func open(_ stored: String, account: String) throws(WebhookError) -> String? {
        guard stored.hasPrefix(AppKeySeal.prefix) else { return nil }
        guard let bytes = Hex.decode(String(stored.dropFirst(AppKeySeal.prefix.count))),
              let box = try? ChaChaPoly.SealedBox(combined: bytes),
              let plain = try? ChaChaPoly.open(box, using: key) else {
            throw .storage("the app key of account \(account) does not open with this store's sealing key (was it replaced, or does another node have a different one?)")
        }
        return String(decoding: plain, as: UTF8.self)
    }
}
