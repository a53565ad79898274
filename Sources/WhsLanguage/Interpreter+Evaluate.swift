extension Interpreter {
    /// The value of an expression. Failures carry the place of the part that failed.
    func evaluate(_ expression: borrowing Expression, in statement: Statement) throws -> Value {
        switch expression {
        case .literal(let value):
            return value
        case .variable(let slot, let at):
            return try variable(slot, at: at)
        case .interpolation(let parts):
            var text = ""
            var secret = false
            for part in parts {
                switch part {
                case .text(let piece): text += piece
                case .value(let expression):
                    let value = try evaluate(expression, in: statement)
                    if case .secret(let hidden) = value { secret = true; text += hidden } else { text += value.plainText }
                }
            }
            return secret ? .secret(text) : .string(text)
        case .list(let items):
            let values = try items.map { try evaluate($0, in: statement) }
            try checkNesting(values, in: statement)
            return .list(values)
        case .object(let members):
            var object = Object()
            for member in members { object[member.key] = try evaluate(member.value, in: statement) }
            try checkNesting(object.values, in: statement)
            return .object(object)
        case .negate(let operand, let at):
            switch try evaluate(operand, in: statement) {
            case .int(let number):
                guard number != .min else { throw EvaluationError(message: "integer overflow in -", at: at) }
                return .int(-number)
            case .double(let number): return .double(-number)
            case let other: throw EvaluationError(message: "cannot negate \(other.typeName)", at: at)
            }
        case .not(let operand):
            return .bool(!(try evaluate(operand, in: statement).isTruthy))
        case .and(let left, let right):
            let first = try evaluate(left, in: statement)
            return first.isTruthy ? try evaluate(right, in: statement) : first
        case .or(let left, let right):
            let first = try evaluate(left, in: statement)
            return first.isTruthy ? first : try evaluate(right, in: statement)
        case .binary(let op, let left, let right, let at):
            return try Operators.apply(op, try evaluate(left, in: statement), try evaluate(right, in: statement), at: at)
        case .binaryOfVariables(let op, let slot, let leftAt, let other, let rightAt, let at):
            return try Operators.apply(op, try variable(slot, at: leftAt), try variable(other, at: rightAt), at: at)
        case .binaryOfVariableAndLiteral(let op, let slot, let leftAt, let value, let at):
            return try Operators.apply(op, try variable(slot, at: leftAt), value, at: at)
        case .member(let base, let name, let at):
            return try member(name, of: try evaluate(base, in: statement), at: at)
        case .index(let base, let indexExpression, let at):
            return try index(try evaluate(base, in: statement), by: try evaluate(indexExpression, in: statement), at: at)
        case .call(let function, let arguments, let at):
            let values = try arguments.map { try evaluate($0, in: statement) }
            do {
                return try function.run(values, self)
            } catch let error as EvaluationError {
                throw error
            } catch {
                throw EvaluationError(message: "\(function.name)(): \(error)", at: at)
            }
        case .procedureCall(let name, let arguments, let at):
            let values = try arguments.map { try evaluate($0, in: statement) }
            return try call(name, values, at: at)
        case .command(let call):
            return try runCommand(call, in: statement)
        }
    }

    /// The value of `$name` in `slot`, or the error that it is not set.
    @inline(__always)
    func variable(_ slot: Int, at: Int) throws -> Value {
        guard let value = slots[slot] else {
            throw EvaluationError(message: "$\(symbols.names[slot]) is not set", at: at)
        }
        if case .secret = value { touchedSecret = true }
        return value
    }

    /// Values may nest at most `maxNesting` levels. Literals are the only way to nest deeper
    /// (`$x = [$x]` in a loop), and printing, comparing or freeing a value recurses once per
    /// level: without a bound, a deep enough value overflows the stack.
    static let maxNesting = 1000

    func checkNesting(_ items: [Value], in statement: Statement) throws {
        for item in items where item.isContainer && item.nestingDepth(limit: Interpreter.maxNesting - 1) >= Interpreter.maxNesting {
            throw EvaluationError(message: "values cannot nest more than \(Interpreter.maxNesting) levels deep", at: statement.range.lowerBound)
        }
    }

    func member(_ name: String, of value: Value, at: Int) throws -> Value {
        guard case .object(let object) = value else {
            throw EvaluationError(message: "cannot read .\(name) of \(value.typeName)\(value == .null ? "" : " \(value.literal.prefix(40))")", at: at)
        }
        guard let found = object[name] else {
            let fields = object.keys.isEmpty ? "it has none" : "it has " + object.keys.joined(separator: ", ")
            throw EvaluationError(message: "no field '\(name)' in object (\(fields))", at: at)
        }
        return found
    }

    func index(_ value: Value, by index: Value, at: Int) throws -> Value {
        switch (value, index) {
        case let (.list(items), .int(position)):
            let resolved = position < 0 ? items.count + position : position
            guard items.indices.contains(resolved) else {
                throw EvaluationError(message: "index \(position) is out of range for a list of \(items.count)", at: at)
            }
            return items[resolved]
        case let (.string(text), .int(position)):
            let characters = Array(text)
            let resolved = position < 0 ? characters.count + position : position
            guard characters.indices.contains(resolved) else {
                throw EvaluationError(message: "index \(position) is out of range for a string of \(characters.count)", at: at)
            }
            return .string(String(characters[resolved]))
        case let (.object(object), .string(key)):
            guard let found = object[key] else { throw EvaluationError(message: "no key \(Value.string(key).literal) in object", at: at) }
            return found
        default:
            throw EvaluationError(message: "cannot index \(value.typeName) with \(index.typeName)", at: at)
        }
    }
}
