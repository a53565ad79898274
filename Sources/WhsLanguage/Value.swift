import WhsSupport

/// A value of the whs language.
public enum Value: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([Value])
    case object(Object)
    /// A string that every output shows as `••••••`; only `reveal()` gives its text back.
    case secret(String)
    /// `250ms`, `5s`, `2m`, `1h`: a length of time, printed as written.
    case duration(Duration)

    public static let mask = "••••••"

    /// null, false, 0, "", [] and {} are false; everything else is true.
    public var isTruthy: Bool {
        switch self {
        case .null: false
        case .bool(let flag): flag
        case .int(let number): number != 0
        case .double(let number): number != 0
        case .string(let text): !text.isEmpty
        case .list(let items): !items.isEmpty
        case .object(let object): !object.isEmpty
        case .secret(let text): !text.isEmpty
        case .duration(let duration): duration.seconds != 0
        }
    }

    /// The name `type()` returns: null, bool, int, decimal, string, list, object, secret.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .int: "int"
        case .double: "decimal"
        case .string: "string"
        case .list: "list"
        case .object: "object"
        case .secret: "secret"
        case .duration: "duration"
        }
    }

    /// How deep lists and objects nest in this value (0 for a scalar), counted no further than
    /// `limit + 1`.
    func nestingDepth(limit: Int) -> Int {
        guard limit >= 0 else { return 1 }
        var deepest = 0
        switch self {
        case .list(let items):
            for item in items where item.isContainer {
                deepest = max(deepest, item.nestingDepth(limit: limit - 1))
                if deepest > limit { break }
            }
        case .object(let object):
            for item in object.values where item.isContainer {
                deepest = max(deepest, item.nestingDepth(limit: limit - 1))
                if deepest > limit { break }
            }
        default:
            return 0
        }
        return deepest + 1
    }

    var isContainer: Bool {
        switch self {
        case .list, .object: true
        default: false
        }
    }

    /// `==`: equal values of the same type; an int and a decimal compare as numbers.
    public static func == (a: Value, b: Value) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case let (.bool(x), .bool(y)): x == y
        case let (.int(x), .int(y)): x == y
        case let (.double(x), .double(y)): x == y
        case let (.int(x), .double(y)), let (.double(y), .int(x)): Double(x) == y
        case let (.string(x), .string(y)), let (.secret(x), .secret(y)), let (.string(x), .secret(y)), let (.secret(x), .string(y)): x == y
        case let (.list(x), .list(y)): x == y
        case let (.object(x), .object(y)): x == y
        case let (.duration(x), .duration(y)): x.seconds == y.seconds
        default: false
        }
    }
}

/// A length of time (`250ms`, `1.5s`): its seconds, and the unit it was written in, so it
/// prints as written. The unit, not the text, is kept: a `Value` stays as small as it was
/// (bench/loop). Two durations are equal when they are as long (`1m == 60s`).
public struct Duration: Sendable, Equatable {
    public let seconds: Double
    /// An index into `DurationText.units`; nil for a duration made by arithmetic, which is
    /// written the shortest way (`1m`, `1.25s`, `250ms`).
    let unit: UInt8?

    /// A literal: `text` is how it was written (`1.5s`).
    public init(seconds: Double, text: String) {
        self.seconds = seconds
        unit = DurationText.units.firstIndex { text.hasSuffix($0.suffix) }.map(UInt8.init)
    }

    public init(seconds: Double) {
        self.seconds = seconds
        unit = nil
    }

    public var text: String {
        guard let unit else { return DurationText.format(seconds) }
        return DurationText.format(seconds, in: Int(unit))
    }

    public static func == (a: Duration, b: Duration) -> Bool { a.seconds == b.seconds }
}

/// An object: keys keep the order they were written in, like the API's JSON. Small objects
/// (a webhook has four keys) are a plain array searched in order; a hash index is added once
/// an object grows past `indexThreshold` keys.
public struct Object: Sendable, Equatable {
    public private(set) var pairs: [(key: String, value: Value)] = []
    private var index: [String: Int]?
    static let indexThreshold = 12

    public init() {}
    /// An object from pairs whose keys the caller knows to be different (a webhook's fields).
    public init(uniqueKeys pairs: [(key: String, value: Value)]) {
        self.pairs = pairs
        rebuildIndexIfLarge()
    }

    /// A JSON object's members as values. Without a repeated key (whs's own answers: a
    /// fan-out's 1,000 deliveries) the pairs are kept as they come, with no search per key;
    /// with one, a later value replaces the earlier one in its place, as `init(_:)` does.
    init(json members: [(key: String, value: JSON)]) {
        let converted = members.map { (key: $0.key, value: Value($0.value)) }
        if Object.hasRepeatedKey(converted) {
            self.init(converted.map { ($0.key, $0.value) })
        } else {
            self.init(uniqueKeys: converted)
        }
    }

    static func hasRepeatedKey(_ pairs: [(key: String, value: Value)]) -> Bool {
        if pairs.count > indexThreshold { return Set(pairs.map(\.key)).count != pairs.count }
        for later in pairs.indices.dropFirst() {
            for earlier in 0..<later where pairs[earlier].key == pairs[later].key { return true }
        }
        return false
    }

    public init(_ pairs: [(String, Value)]) {
        self.pairs.reserveCapacity(pairs.count)
        for (key, value) in pairs { self[key] = value }
    }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        return pairs.firstIndex { $0.key == key }
    }

    public subscript(key: String) -> Value? {
        get { position(of: key).map { pairs[$0].value } }
        set {
            if let found = position(of: key) {
                if let newValue {
                    pairs[found].value = newValue
                } else {
                    pairs.remove(at: found)
                    index = nil
                    rebuildIndexIfLarge()
                }
            } else if let newValue {
                pairs.append((key, newValue))
                if index != nil { index![key] = pairs.count - 1 } else { rebuildIndexIfLarge() }
            }
        }
    }

    private mutating func rebuildIndexIfLarge() {
        guard pairs.count > Object.indexThreshold, index == nil else { return }
        index = Dictionary(pairs.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public var keys: [String] { pairs.map(\.key) }
    public var isEmpty: Bool { pairs.isEmpty }
    public var count: Int { pairs.count }
    public var values: [Value] { pairs.map(\.value) }

    /// Equal when the same keys hold equal values; order does not matter for equality.
    public static func == (a: Object, b: Object) -> Bool {
        a.count == b.count && a.pairs.allSatisfy { pair in b[pair.key] == pair.value }
    }
}

extension Value {
    /// The value as JSON; a secret becomes the mask unless `revealSecrets` is set.
    public func json(revealSecrets: Bool = false) -> JSON {
        switch self {
        case .null: .null
        case .bool(let flag): .bool(flag)
        case .int(let number): .int(number)
        case .double(let number): .double(number)
        case .string(let text): .string(text)
        case .secret(let text): .string(revealSecrets ? text : Value.mask)
        case .list(let items): .array(items.map { $0.json(revealSecrets: revealSecrets) })
        case .object(let object): .object(object.pairs.map { ($0.key, $0.value.json(revealSecrets: revealSecrets)) })
        case .duration(let duration): .string(duration.text)
        }
    }

    public init(_ json: JSON) {
        switch json {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .int(let number): self = .int(number)
        case .double(let number): self = .double(number)
        case .string(let text): self = .string(text)
        case .array(let items): self = .list(items.map(Value.init))
        case .object(let members): self = .object(Object(json: members))
        }
    }
}
