import WhsSupport

extension Value {
    /// What `print` and `str()` make of a value: a string as its text, everything else in
    /// literal form.
    public var plainText: String {
        switch self {
        case .string(let text): text
        default: literal
        }
    }

    /// The value as it would be written in whs: `"text"`, `[1, 2]`, `{id: 1, "x y": 2}`,
    /// secrets masked.
    public var literal: String {
        switch self {
        case .null: "null"
        case .bool(let flag): flag ? "true" : "false"
        case .int(let number): String(number)
        case .double(let number): Value.format(number)
        case .string(let text): JSON.quote(text)
        case .secret: Value.mask
        case .duration(let duration): duration.text
        case .list(let items): "[" + items.map(\.literal).joined(separator: ", ") + "]"
        case .object(let object):
            "{" + object.pairs.map { "\(Value.key($0.key)): \($0.value.literal)" }.joined(separator: ", ") + "}"
        }
    }

    /// Decimals always show a decimal point, so `1.0` does not read as the integer 1.
    static func format(_ number: Double) -> String {
        if number.isNaN { return "nan" }
        if number.isInfinite { return number < 0 ? "-inf" : "inf" }
        if number == number.rounded(), abs(number) < 1e15 { return String(Int(number)) + ".0" }
        return String(number)
    }

    /// A key as written in an object literal: bare when it is a name, quoted otherwise.
    static func key(_ key: String) -> String {
        let scalars = key.unicodeScalars
        guard let first = scalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic),
              scalars.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil)) })
        else { return JSON.quote(key) }
        return key
    }
}
