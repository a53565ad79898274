/// A webhook's http(s) URL taken apart for a push: where to connect (the origin, which names
/// a pool of connections) and what to put in the request line and the Host header.
struct PushTarget: Sendable, Equatable {
    let secure: Bool
    /// The host as written, without the brackets of an IPv6 literal.
    let host: String
    let port: Int
    /// The request target: the path and query, "/" when the URL has none (never the fragment).
    let path: String

    /// `scheme://host:port`: connections to one origin are pooled together.
    var origin: String { "\(secure ? "https" : "http")://\(bracketed):\(port)" }

    /// The Host header: the name, bracketed if an IPv6 literal, with the port unless the
    /// scheme's own.
    var hostHeader: String { port == (secure ? 443 : 80) ? bracketed : "\(bracketed):\(port)" }

    private var bracketed: String { host.contains(":") ? "[\(host)]" : host }

    /// Why `url` cannot be pushed to, or the target. Userinfo (`user:pw@`) is dropped: pushes
    /// carry the signature headers, not credentials of the URL.
    static func parse(_ url: String) -> Result<PushTarget, PushFailure> {
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else { return .failure(.invalid("\(url) is not an http or https URL")) }
        let scheme = url[..<colon].lowercased()
        guard scheme == "http" || scheme == "https" else { return .failure(.invalid("\(scheme) URLs are not pushed to (http or https only)")) }
        let secure = scheme == "https"
        var rest = url[url.index(colon, offsetBy: 3)...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        var path = String(rest[authorityEnd...])
        if path.isEmpty { path = "/" } else if path.hasPrefix("?") { path = "/" + path }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return .failure(.invalid("\(url): an IPv6 address without its closing ]")) }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { return .failure(.invalid("\(url): the port after ] is not :NUMBER")) }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { return .failure(.invalid("\(url) has no host")) }
        var port = secure ? 443 : 80
        if let portText, !portText.isEmpty {
            guard let number = Int(portText), (1...65535).contains(number) else { return .failure(.invalid("\(url): the port must be 1 to 65535")) }
            port = number
        }
        return .success(PushTarget(secure: secure, host: String(host), port: port, path: path))
    }
}
