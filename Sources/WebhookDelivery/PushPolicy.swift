import Glibc
import WebhookCore

/// Where pushes may go. On loopback, as on a laptop, anywhere. A node shared by a team
/// (`whs serve --public`, or bound to an address other than loopback) must not become a way
/// into the network it runs in (SSRF): it refuses every push whose host is, or resolves to, a
/// loopback, private, link-local or otherwise special address, unless `--allow-push` names
/// its range (docs/SCALING.md).
public struct PushPolicy: Sendable {
    public let refusesPrivate: Bool
    public let allowed: [AddressRange]

    public init(refusesPrivate: Bool, allowed: [AddressRange] = []) {
        self.refusesPrivate = refusesPrivate
        self.allowed = allowed
    }

    public static let anywhere = PushPolicy(refusesPrivate: false)

    /// Why a push to `url` is refused; nil when it may go. Every address the host resolves to
    /// must be allowed: a name with one public and one private address is refused.
    public func refusal(url: String) -> String? {
        guard refusesPrivate else { return nil }
        guard let host = PushPolicy.host(of: url) else { return "refused: the url has no host" }
        return refusal(host: host, addresses: AddressRange.resolve(host))
    }

    /// Why a push to `host`, which resolved to `addresses`, is refused; nil when it may go.
    /// The push client resolves once, asks this, and connects only to these addresses.
    func refusal(host: String, addresses: [[UInt8]]) -> String? {
        guard refusesPrivate else { return nil }
        guard !addresses.isEmpty else { return "refused: \(host) does not resolve" }
        for address in addresses where AddressRange.isSpecial(address) && !allowed.contains(where: { $0.contains(address) }) {
            return "refused: \(host) is \(AddressRange.text(address)), a private address (this server pushes to public addresses only; --allow-push names exceptions)"
        }
        return nil
    }

    /// The host of an http(s) URL, without brackets.
    static func host(of url: String) -> String? {
        let bytes = Array(url.utf8)
        guard let slash = (0..<max(0, bytes.count - 2)).first(where: { bytes[$0] == 58 && bytes[$0 + 1] == 47 && bytes[$0 + 2] == 47 }) else {
            return nil
        }
        var rest = Substring(String(decoding: bytes[(slash + 3)...], as: UTF8.self))
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            return String(rest[rest.index(after: rest.startIndex)..<close])
        }
        if let colon = rest.lastIndex(of: ":") { rest = rest[..<colon] }
        return rest.isEmpty ? nil : String(rest)
    }
}
