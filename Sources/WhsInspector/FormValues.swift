/// The values of a query string or an `application/x-www-form-urlencoded` body: the first value
/// of each name, and every value of a name that repeats (checkboxes).
struct FormValues: Sendable {
    private(set) var pairs: [(String, String)] = []

    init(_ encoded: String?) {
        for pair in (encoded ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = FormValues.decode(parts[0]), let value = FormValues.decode(parts.count > 1 ? parts[1] : "") else { continue }
            pairs.append((name, value))
        }
    }

    init(body: [UInt8]) { self.init(String(decoding: body, as: UTF8.self)) }

    subscript(_ name: String) -> String? { pairs.first { $0.0 == name }?.1 }

    /// The value, or nil when it is absent or only spaces.
    func nonEmpty(_ name: String) -> String? {
        guard let value = self[name], value.contains(where: { $0 != " " }) else { return nil }
        return value
    }

    func all(_ name: String) -> [String] { pairs.filter { $0.0 == name }.map(\.1) }

    func integer(_ name: String) -> Int? { nonEmpty(name).flatMap { Int($0) } }

    /// Percent-decoding with `+` as a space; nil for a broken escape or bytes that are not UTF-8.
    static func decode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(0x20)
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    /// A value for a query string: everything but unreserved characters percent-encoded.
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return out
    }

    /// `name=value&...` of the pairs whose value is not empty.
    static func query(_ items: [(String, String?)]) -> String {
        items.compactMap { name, value in value.flatMap { $0.isEmpty ? nil : "\(name)=\(encode($0))" } }.joined(separator: "&")
    }
}
