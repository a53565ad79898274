/// A PostgreSQL database named by URL: `postgres://USER:PASSWORD@HOST:PORT/DATABASE` (or
/// `postgresql://`), the form psql and libpq take. The password is kept apart and never
/// shown: `description` is what banners, prompts, logs and errors say.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public let user: String
    public let password: String?
    public let host: String
    public let port: Int
    public let database: String
    /// `?sslmode=`: `disable` (the default: a database on loopback or a private network),
    /// `require` (encrypted, the server's certificate not checked, as libpq's `require`) or
    /// `verify-full` (encrypted, the certificate checked against the system's CAs or
    /// `sslrootcert`, and its name against the host).
    public let tls: TLSMode
    /// `?sslrootcert=PATH`: the CA (PEM) `verify-full` checks the server against.
    public let rootCertificate: String?

    public enum TLSMode: String, Sendable, Equatable {
        case disable, require
        case verifyFull = "verify-full"
    }

    /// True for a store argument that names PostgreSQL rather than an SQLite file.
    public static func names(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// True when `text` holds a PostgreSQL URL with a password (`USER:PASSWORD@`), which must
    /// not be kept in the shell's history.
    public static func mentionsPassword(_ text: String) -> Bool {
        for scheme in ["postgres://", "postgresql://"] {
            var rest = Substring(text)
            while let start = rest.firstRange(of: scheme) {
                let after = rest[start.upperBound...]
                let userInfo = after.prefix { $0 != "@" && $0 != "/" && $0 != " " && $0 != "\"" }
                if userInfo.contains(":"), after.dropFirst(userInfo.count).hasPrefix("@") { return true }
                rest = after
            }
        }
        return false
    }

    /// Errors name the part that is wrong and never repeat the URL, which may hold a password.
    public init(parsing text: String) throws(WebhookError) {
        let scheme = text.hasPrefix("postgresql://") ? "postgresql://" : "postgres://"
        guard text.hasPrefix(scheme) else { throw .invalidParameter("a PostgreSQL store is postgres://USER:PASSWORD@HOST:PORT/DATABASE") }
        var rest = Substring(text.dropFirst(scheme.count))
        var tls = TLSMode.disable
        var rootCertificate: String?
        if let query = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: query)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { continue }
                switch parts[0] {
                case "sslmode":
                    guard let mode = TLSMode(rawValue: parts[1]) else {
                        throw .invalidParameter("the PostgreSQL URL's sslmode must be disable, require or verify-full, got \(Validation.quoted(parts[1]))")
                    }
                    tls = mode
                case "sslrootcert": rootCertificate = try PostgresLocation.decoded(Substring(parts[1]), "sslrootcert")
                default: throw .invalidParameter("the PostgreSQL URL takes sslmode and sslrootcert, not \(Validation.quoted(parts[0]))")
                }
            }
            rest = rest[..<query]
        }
        self.tls = tls
        self.rootCertificate = rootCertificate
        guard let at = rest.lastIndex(of: "@") else {
            throw .invalidParameter("the PostgreSQL URL needs a user: postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        let credentials = rest[..<at]
        rest = rest[rest.index(after: at)...]
        if let colon = credentials.firstIndex(of: ":") {
            user = try PostgresLocation.decoded(credentials[..<colon], "user")
            password = try PostgresLocation.decoded(credentials[credentials.index(after: colon)...], "password")
        } else {
            user = try PostgresLocation.decoded(credentials, "user")
            password = nil
        }
        guard !user.isEmpty else { throw .invalidParameter("the PostgreSQL URL has an empty user") }
        guard let slash = rest.firstIndex(of: "/") else {
            throw .invalidParameter("the PostgreSQL URL needs a database: postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        database = try PostgresLocation.decoded(rest[rest.index(after: slash)...], "database")
        guard !database.isEmpty else { throw .invalidParameter("the PostgreSQL URL has an empty database name") }
        var hostPort = rest[..<slash]
        var port = 5432
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw .invalidParameter("the PostgreSQL URL's host has an unclosed [") }
            let after = hostPort[hostPort.index(after: close)...]
            if after.hasPrefix(":") {
                guard let number = Int(after.dropFirst()), (1...65535).contains(number) else { throw .invalidParameter("the PostgreSQL URL's port must be 1 to 65535") }
                port = number
            }
            hostPort = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
        } else if let colon = hostPort.lastIndex(of: ":") {
            guard let number = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(number) else {
                throw .invalidParameter("the PostgreSQL URL's port must be 1 to 65535")
            }
            port = number
            hostPort = hostPort[..<colon]
        }
        guard !hostPort.isEmpty else { throw .invalidParameter("the PostgreSQL URL has an empty host") }
        host = String(hostPort)
        self.port = port
    }

    /// `postgres://whs@127.0.0.1:5432/whs`: the URL without its password.
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(shownHost):\(port)/\(database)" + (tls == .disable ? "" : "?sslmode=\(tls.rawValue)")
    }

    /// Percent-decoding, as URLs carry reserved characters in a password.
    static func decoded(_ part: Substring, _ what: String) throws(WebhookError) -> String {
        var bytes: [UInt8] = []
        var index = part.utf8.startIndex
        let utf8 = part.utf8
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%") {
                let first = utf8.index(after: index)
                guard first != utf8.endIndex, utf8.index(after: first) != utf8.endIndex,
                      let high = hexValue(utf8[first]), let low = hexValue(utf8[utf8.index(after: first)]) else {
                    throw .invalidParameter("the PostgreSQL URL's \(what) has a broken %-escape")
                }
                bytes.append(high << 4 | low)
                index = utf8.index(first, offsetBy: 2)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
