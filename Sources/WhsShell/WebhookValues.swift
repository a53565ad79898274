import WebhookCore
import WhsLanguage
import WhsSupport

/// Webhook types as language values, in the API's own shapes and key order, and back.
extension Webhook {
    /// `{url, event, api_user, id}`, built directly (this runs for every webhook shown).
    var value: Value {
        .object(Object(uniqueKeys: [
            ("url", .string(url)),
            ("event", .list(events.codes.map { .int($0) })),
            ("api_user", .string(apiUser)),
            ("id", .int(id)),
        ]))
    }
}

extension Page {
    var value: Value {
        .object(Object(uniqueKeys: [("result", .list(webhooks.map(\.value))), ("count", .int(count)), ("total", .int(total))]))
    }
}

func countValue(_ count: Int) -> Value { .object(Object(uniqueKeys: [("count", .int(count))])) }

/// Reading command arguments as the types the API wants, with messages that name the argument.
enum ArgumentValues {
    static func string(_ value: Value?, _ name: String) throws -> String? {
        guard let value else { return nil }
        switch value {
        case .null: return nil
        case .string(let text): return text
        case .int(let number): return String(number)
        case .secret: throw CommandFailure("\(name) cannot be a secret")
        default: throw CommandFailure("\(name) must be a string, got \(value.typeName) \(value.literal)")
        }
    }

    static func integer(_ value: Value?, _ name: String) throws -> Int? {
        guard let value else { return nil }
        switch value {
        case .null: return nil
        case .int(let number): return number
        case .string(let text):
            guard let number = Int(text) else { throw CommandFailure("\(name) must be an integer, got \(value.literal)") }
            return number
        default: throw CommandFailure("\(name) must be an integer, got \(value.typeName) \(value.literal)")
        }
    }

    /// A webhook id: a positive integer (or its digits as text, e.g. from `$args`).
    static func id(_ value: Value?) throws -> Int {
        guard let number = try integer(value, "id") else { throw CommandFailure("id is required") }
        return try Validation.id(number)
    }

    /// `events=deliver,open`, `events=[deliver, 11]`, `events=open`, or "deliver,open" as text.
    /// `events=all` (or `[all]`) is the nine, as tables show them: a word of the shell only,
    /// the HTTP API keeps the page's codes and names.
    static func events(_ value: Value?) throws -> [EventInput]? {
        guard let value else { return nil }
        func item(_ value: Value) throws -> [EventInput] {
            switch value {
            case .int(let code): return [.code(code)]
            case .string(let text):
                guard text.utf8.contains(UInt8(ascii: ",")) else { return [.name(text)] }
                return text.split(separator: ",").map { .name(String($0.trimmingBlanks)) }
            default: throw CommandFailure("events must be event names or codes, got \(value.typeName) \(value.literal)")
            }
        }
        let given: [EventInput]
        switch value {
        case .null: return nil
        case .list(let items): given = try items.flatMap(item)
        default: given = try item(value)
        }
        guard given.contains(.name(allEvents)) else { return given }
        guard given.count == 1 else {
            throw CommandFailure("events=all means all nine events: give it alone, not with other events")
        }
        return EventType.all.map { .code($0.code) }
    }

    /// The word for all nine events in `events=`.
    static let allEvents = "all"
}

extension ArgumentValues {
    /// One event: a name (`deliver`) or a code (`1`).
    static func event(_ value: Value?) throws -> EventType {
        switch value {
        case .string(let name)?:
            guard let event = EventType.named(name) else {
                throw CommandFailure("unknown event \(value!.literal)\(Suggestion.hint(for: name, in: EventType.all.map(\.name))) (known: \(EventType.catalogue))")
            }
            return event
        case .int(let code)?:
            guard let event = EventType.withCode(code) else { throw CommandFailure("unknown event code \(code) (known: \(EventType.catalogue))") }
            return event
        case nil, .null?: throw CommandFailure("which event? e.g. deliver or open (known: \(EventType.catalogue))")
        default: throw CommandFailure("event must be a name or a code, got \(value!.typeName) \(value!.literal)")
        }
    }

    static func bool(_ value: Value?, _ name: String) throws -> Bool {
        switch value {
        case nil, .null?: return false
        case .bool(let flag)?: return flag
        case .string("on")?, .string("yes")?: return true
        case .string("off")?, .string("no")?: return false
        default: throw CommandFailure("\(name) must be true or false, got \(value!.literal)")
        }
    }
}
