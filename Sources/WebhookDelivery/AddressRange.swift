import Glibc
import WebhookCore

/// A range of IPv4 or IPv6 addresses, `10.0.0.0/8` or `fd00::/8`; an address alone is its own range.
public struct AddressRange: Sendable, Equatable {
    /// 4 or 16 bytes.
    let base: [UInt8]
    let prefix: Int

    public init(parsing text: String) throws(WebhookError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = AddressRange.parse(String(parts[0])) else {
            throw .invalidParameter("\(Validation.quoted(text)) is not an address or a range like 10.0.0.0/8 or fd00::/8")
        }
        let bits = address.count * 8
        if parts.count == 2 {
            guard let prefix = Int(parts[1]), (0...bits).contains(prefix) else {
                throw .invalidParameter("\(Validation.quoted(text)): the prefix length must be 0 to \(bits)")
            }
            self.prefix = prefix
        } else {
            prefix = bits
        }
        base = address
    }

    init(_ base: [UInt8], _ prefix: Int) {
        self.base = base
        self.prefix = prefix
    }

    public func contains(_ address: [UInt8]) -> Bool {
        let address = address.count == 16 && base.count == 4 ? (AddressRange.mappedIPv4(address) ?? address) : address
        guard address.count == base.count else { return false }
        var left = prefix
        for index in 0..<base.count where left > 0 {
            let mask: UInt8 = left >= 8 ? 0xFF : ~(0xFF >> UInt8(left))
            if address[index] & mask != base[index] & mask { return false }
            left -= 8
        }
        return true
    }

    /// Loopback, private, link-local, carrier-grade NAT, multicast, reserved and unspecified
    /// ranges (RFC 6890): nothing a public webhook lives at.
    static let special: [AddressRange] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
        "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8", "64:ff9b::/96", "2001:db8::/32",
    ]

    static func isSpecial(_ address: [UInt8]) -> Bool {
        special.contains { $0.contains(address) }
    }

    /// The IPv4 address inside `::ffff:a.b.c.d`.
    static func mappedIPv4(_ address: [UInt8]) -> [UInt8]? {
        guard address.count == 16, address[0..<10].allSatisfy({ $0 == 0 }), address[10] == 0xFF, address[11] == 0xFF else { return nil }
        return Array(address[12..<16])
    }

    /// A literal address's bytes.
    static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// Every address `host` resolves to (a literal resolves to itself).
    static func resolve(_ host: String) -> [[UInt8]] {
        if let literal = parse(host) { return [literal] }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0 else { return [] }
        defer { freeaddrinfo(list) }
        var found: [[UInt8]] = []
        var entry = list
        while let info = entry?.pointee {
            if info.ai_family == AF_INET, let raw = info.ai_addr {
                raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { var a = $0.pointee.sin_addr; found.append(withUnsafeBytes(of: &a) { Array($0) }) }
            } else if info.ai_family == AF_INET6, let raw = info.ai_addr {
                raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { var a = $0.pointee.sin6_addr; found.append(withUnsafeBytes(of: &a) { Array($0) }) }
            }
            entry = info.ai_next
        }
        return found
    }

    static func text(_ address: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let family = address.count == 4 ? AF_INET : AF_INET6
        _ = address.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, 64) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension AddressRange: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { try! self.init(parsing: value) }
}
