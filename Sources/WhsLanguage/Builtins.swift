import Glibc
import WhsSupport

/// The functions every whs session has (docs/LANGUAGE.md, "Functions").
enum Builtins {
    static let all: [Function] = [
        Function("len", "len(x): items of a list or object, characters of a string", arity: 1...1) { args, _ in
            switch args[0] {
            case .list(let items): return .int(items.count)
            case .object(let object): return .int(object.count)
            case .string(let text), .secret(let text): return .int(text.count)
            case let other: throw CommandFailure("cannot take the length of \(other.typeName)")
            }
        },
        Function("keys", "keys(obj): the keys of an object, in order", arity: 1...1) { args, _ in
            guard case .object(let object) = args[0] else { throw CommandFailure("needs an object, got \(args[0].typeName)") }
            return .list(object.keys.map { .string($0) })
        },
        Function("str", "str(x): x as text", arity: 1...1) { args, _ in
            if case .secret = args[0] { return args[0] }
            return .string(args[0].plainText)
        },
        Function("int", "int(x): a number or numeric string as an integer", arity: 1...1) { args, _ in
            switch args[0] {
            case .int: return args[0]
            case .double(let number):
                guard number.isFinite, let whole = Int(exactly: number.rounded(.towardZero)) else { throw CommandFailure("\(number) does not fit an integer") }
                return .int(whole)
            case .bool(let flag): return .int(flag ? 1 : 0)
            case .string(let text):
                let trimmed = String(text.trimmingBlanks)
                if let whole = Int(trimmed) { return .int(whole) }
                if let number = Double(trimmed), number.isFinite, let whole = Int(exactly: number.rounded(.towardZero)) { return .int(whole) }
                throw CommandFailure("\(JSON.quote(text)) is not a number")
            case let other: throw CommandFailure("cannot make an integer of \(other.typeName)")
            }
        },
        Function("json", "json(x): x as JSON text", arity: 1...1) { args, _ in
            .string(args[0].json().text)
        },
        Function("parse_json", "parse_json(s): the value a JSON text holds", arity: 1...1) { args, _ in
            guard let text = args[0].text else { throw CommandFailure("needs a string, got \(args[0].typeName)") }
            do { return Value(try JSON.parse(text)) } catch { throw CommandFailure("invalid JSON: \(error)") }
        },
        Function("env", "env(name[, default]): an environment variable, as a secret", arity: 1...2) { args, interpreter in
            guard let name = args[0].text else { throw CommandFailure("needs a variable name, got \(args[0].typeName)") }
            guard let raw = getenv(name) else {
                if args.count == 2 { return args[1] }
                throw CommandFailure("environment variable \(name) is not set")
            }
            // Environment variables carry keys and tokens: keep them masked until revealed.
            interpreter.touchedSecret = true
            return .secret(String(cString: raw))
        },
        Function("secret", "secret(s): s, shown as ••••••", arity: 1...1) { args, interpreter in
            interpreter.touchedSecret = true
            guard let text = args[0].text else { throw CommandFailure("needs a string, got \(args[0].typeName)") }
            return .secret(text)
        },
        Function("reveal", "reveal(s): the text of a secret", arity: 1...1) { args, interpreter in
            interpreter.touchedSecret = true
            guard let text = args[0].text else { throw CommandFailure("needs a secret or a string, got \(args[0].typeName)") }
            return .string(text)
        },
        Function("range", "range(n) or range(a, b): the integers from 0 (or a) up to n (or b), not included", arity: 1...2) { args, _ in
            .list(try rangeBounds(args).map { .int($0) })
        },
        Function("now", "now(): the time in unix seconds", arity: 0...0) { _, _ in
            .int(Int(Clock.now()))
        },
        Function("type", "type(x): null, bool, int, decimal, string, list, object or secret", arity: 1...1) { args, _ in
            .string(args[0].typeName)
        },
    ]

    /// The integers `range(n)` or `range(a, b)` stands for; a `for` loop counts through them
    /// without making the list.
    static func rangeBounds(_ args: [Value]) throws -> Range<Int> {
        var bounds: [Int] = []
        for arg in args {
            guard case .int(let number) = arg else { throw CommandFailure("needs integers, got \(arg.typeName)") }
            bounds.append(number)
        }
        let (low, high) = bounds.count == 1 ? (0, bounds[0]) : (bounds[0], bounds[1])
        guard high > low else { return 0..<0 }
        guard high - low <= 100_000_000 else { throw CommandFailure("range of \(high - low) items is too large (at most 100000000)") }
        return low..<high
    }
}
