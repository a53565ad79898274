/// Arithmetic and comparison on values.
enum Operators {
    static func apply(_ op: BinaryOperator, _ a: Value, _ b: Value, at: Int) throws -> Value {
        // The common case first: integer arithmetic in loops.
        if case .int(let x) = a, case .int(let y) = b {
            switch op {
            case .add: return try checked(x.addingReportingOverflow(y), op, at)
            case .subtract: return try checked(x.subtractingReportingOverflow(y), op, at)
            case .multiply: return try checked(x.multipliedReportingOverflow(by: y), op, at)
            case .divide:
                guard y != 0 else { throw EvaluationError(message: "division by zero", at: at) }
                if x % y == 0, !(x == .min && y == -1) { return .int(x / y) }
                return .double(Double(x) / Double(y))
            case .remainder:
                guard y != 0 else { throw EvaluationError(message: "division by zero", at: at) }
                if x == .min && y == -1 { return .int(0) }
                return .int(x % y)
            case .less: return .bool(x < y)
            case .lessEqual: return .bool(x <= y)
            case .greater: return .bool(x > y)
            case .greaterEqual: return .bool(x >= y)
            case .equal: return .bool(x == y)
            case .notEqual: return .bool(x != y)
            case .contains: break
            }
        }
        switch op {
        case .equal: return .bool(a == b)
        case .notEqual: return .bool(a != b)
        case .add: return try add(a, b, at: at)
        case .subtract, .multiply, .divide, .remainder: return try arithmetic(op, a, b, at: at)
        case .less, .lessEqual, .greater, .greaterEqual: return .bool(try compare(op, a, b, at: at))
        case .contains: return .bool(try contains(b, a, at: at))
        }
    }

    static func checked(_ result: (partialValue: Int, overflow: Bool), _ op: BinaryOperator, _ at: Int) throws -> Value {
        if result.overflow { throw EvaluationError(message: "integer overflow in \(op.rawValue)", at: at) }
        return .int(result.partialValue)
    }

    static func number(_ value: Value) -> Double? {
        switch value {
        case .int(let number): Double(number)
        case .double(let number): number
        default: nil
        }
    }

    /// `+` adds numbers and joins strings or lists; a secret joined to text stays secret.
    static func add(_ a: Value, _ b: Value, at: Int) throws -> Value {
        switch (a, b) {
        case let (.string(x), .string(y)): return .string(x + y)
        case let (.secret(x), .string(y)), let (.string(x), .secret(y)), let (.secret(x), .secret(y)):
            return .secret(x + y)
        case let (.list(x), .list(y)): return .list(x + y)
        case let (.duration(x), .duration(y)): return .duration(Duration(seconds: x.seconds + y.seconds))
        default:
            if let x = number(a), let y = number(b) { return .double(x + y) }
            let hint = (a.isText || b.isText) ? " (use str() or \"${...}\" to join text and other values)" : ""
            throw EvaluationError(message: "cannot add \(a.typeName) and \(b.typeName)\(hint)", at: at)
        }
    }

    static func arithmetic(_ op: BinaryOperator, _ a: Value, _ b: Value, at: Int) throws -> Value {
        if let duration = try durationArithmetic(op, a, b, at: at) { return duration }
        guard let x = number(a), let y = number(b) else {
            throw EvaluationError(message: "cannot use \(op.rawValue) on \(a.typeName) and \(b.typeName)", at: at)
        }
        switch op {
        case .subtract: return .double(x - y)
        case .multiply: return .double(x * y)
        case .divide:
            guard y != 0 else { throw EvaluationError(message: "division by zero", at: at) }
            return .double(x / y)
        default:
            guard y != 0 else { throw EvaluationError(message: "division by zero", at: at) }
            return .double(x.truncatingRemainder(dividingBy: y))
        }
    }

    /// Durations subtract from durations and scale by numbers (`2 * 5s`, `1m / 4`); a
    /// duration divided by a duration is their ratio. nil when neither side is a duration.
    static func durationArithmetic(_ op: BinaryOperator, _ a: Value, _ b: Value, at: Int) throws -> Value? {
        switch (op, a, b) {
        case let (.subtract, .duration(x), .duration(y)): return .duration(Duration(seconds: x.seconds - y.seconds))
        case let (.multiply, .duration(x), other), let (.multiply, other, .duration(x)):
            guard let factor = number(other) else { break }
            return .duration(Duration(seconds: x.seconds * factor))
        case let (.divide, .duration(x), .duration(y)):
            guard y.seconds != 0 else { throw EvaluationError(message: "division by zero", at: at) }
            return .double(x.seconds / y.seconds)
        case let (.divide, .duration(x), other):
            guard let divisor = number(other) else { break }
            guard divisor != 0 else { throw EvaluationError(message: "division by zero", at: at) }
            return .duration(Duration(seconds: x.seconds / divisor))
        default:
            guard case .duration = a else { if case .duration = b { break }; return nil }
        }
        throw EvaluationError(message: "cannot use \(op.rawValue) on \(a.typeName) and \(b.typeName)", at: at)
    }

    /// `<` and friends: numbers with numbers, strings with strings, durations with durations;
    /// anything else is an error.
    static func compare(_ op: BinaryOperator, _ a: Value, _ b: Value, at: Int) throws -> Bool {
        let order: Int
        if case .duration(let x) = a, case .duration(let y) = b {
            order = x.seconds < y.seconds ? -1 : (x.seconds > y.seconds ? 1 : 0)
        } else if let x = number(a), let y = number(b) {
            order = x < y ? -1 : (x > y ? 1 : 0)
        } else if let x = a.text, let y = b.text {
            order = x < y ? -1 : (x > y ? 1 : 0)
        } else {
            throw EvaluationError(message: "cannot compare \(a.typeName) and \(b.typeName) with \(op.rawValue)", at: at)
        }
        switch op {
        case .less: return order < 0
        case .lessEqual: return order <= 0
        case .greater: return order > 0
        default: return order >= 0
        }
    }

    /// `x in container`: an item of a list, a key of an object, a part of a string.
    static func contains(_ container: Value, _ item: Value, at: Int) throws -> Bool {
        switch container {
        case .list(let items): return items.contains(item)
        case .object(let object):
            guard let key = item.text else { return false }
            return object[key] != nil
        case .string(let text), .secret(let text):
            guard let part = item.text else { throw EvaluationError(message: "'in' a string needs a string on the left, got \(item.typeName)", at: at) }
            return part.isEmpty || text.contains(part)
        default:
            throw EvaluationError(message: "'in' needs a list, an object or a string on the right, got \(container.typeName)", at: at)
        }
    }
}

extension Value {
    /// The text of a string or a secret.
    var text: String? {
        switch self {
        case .string(let text), .secret(let text): text
        default: nil
        }
    }

    var isText: Bool { text != nil }
}
