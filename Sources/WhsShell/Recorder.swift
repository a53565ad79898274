import Glibc
import WhsLanguage
import WhsSupport

/// `record FILE`: the statements of a session that succeed, written to a script as they run.
/// What is written is what was typed, with two rewrites (docs/DEMOS.md):
/// - an id typed as a number that an earlier result put in a variable is written as that
///   variable (`delete 7` after `$h = add ...` becomes `delete $h.id`), so the script works on
///   any store, where ids differ;
/// - a key typed in clear is written as the expression that should produce it
///   (`api_key=env("WHS_API_KEY")`, `env("WHS_SECRET")` for `secret("...")`): never its value.
final class Recorder {
    let path: String
    private let descriptor: Int32
    /// Where earlier results put ids, newest last: `$h.id`, `$r.deliveries[0].id`...
    private var places: [IDPlace] = []
    private(set) var count = 0

    enum Kind { case webhook, delivery, any }

    struct IDPlace {
        let variable: String
        let path: [PathStep]
        let id: Int
        let kind: Kind

        var expression: String {
            "$" + variable + path.map { step in
                switch step {
                case .key(let key): "." + key
                case .index(let index): "[\(index)]"
                }
            }.joined()
        }
    }

    enum PathStep {
        case key(String)
        case index(Int)
    }

    init(path: String) throws {
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw CommandFailure("cannot write \(path): \(String(cString: strerror(errno)))") }
        self.path = path
        write("#!/usr/bin/env whs\n# Recorded with whs record: the statements that succeeded, ids as the variables that held them.\n")
    }

    deinit { close(descriptor) }

    /// Writes a statement that succeeded, and remembers the ids its assignment captured.
    func record(_ statement: Statement, interpreter: Interpreter) {
        write(rewrite(statement, interpreter: interpreter) + "\n")
        count += 1
        if let variable = statement.assignedVariable(in: interpreter), let value = interpreter.value(of: variable) {
            places.removeAll { $0.variable == variable }
            collect(value, variable: variable, path: [], depth: 0)
        }
    }

    private func write(_ text: String) {
        // One write per statement, straight to the file: a session that ends abruptly keeps
        // everything recorded so far.
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 { if errno == EINTR { continue }; return }
            offset += written
        }
    }

    func rewrite(_ statement: Statement, interpreter: Interpreter) -> String {
        let base = statement.range.lowerBound
        var replacements: [(range: Range<Int>, text: String)] = []
        for span in statement.argumentSpans {
            guard let name = span.name, let literal = span.literal else { continue }
            let local = (span.range.lowerBound - base)..<(span.range.upperBound - base)
            if name == "api_key", case .string = literal {
                replacements.append((local, "env(\"WHS_API_KEY\")"))
            } else if let kind = Recorder.idKind(command: span.command, argument: name), let id = Recorder.integer(literal),
                      let place = place(of: id, kind: kind, interpreter: interpreter) {
                replacements.append((local, place.expression))
            }
        }
        var bytes = Array(statement.text.utf8)
        for replacement in replacements.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) {
            bytes.replaceSubrange(replacement.range, with: Array(replacement.text.utf8))
        }
        return Recorder.maskingSecretLiterals(String(decoding: bytes, as: UTF8.self))
    }

    /// Which kind of id an argument takes: `get/modify/delete ID` a webhook's, `redeliver ID` a
    /// delivery's, `deliveries webhook=ID` a webhook's.
    static func idKind(command: String, argument: String) -> Kind? {
        switch (command, argument) {
        case ("get", "id"), ("modify", "id"), ("delete", "id"), ("deliveries", "webhook"): .webhook
        case ("redeliver", "id"): .delivery
        default: nil
        }
    }

    static func integer(_ value: Value) -> Int? {
        switch value {
        case .int(let number): number
        case .string(let text): Int(text)
        default: nil
        }
    }

    /// A place that still holds `id`: the most direct one (`$h.id` before `$page.result[0].id`),
    /// the newest of those.
    private func place(of id: Int, kind: Kind, interpreter: Interpreter) -> IDPlace? {
        let holding = places.filter { place in
            place.id == id && (place.kind == kind || place.kind == .any)
                && interpreter.value(of: place.variable).flatMap { Recorder.follow(place.path, in: $0) } == .int(id)
        }
        guard let shortest = holding.map(\.path.count).min() else { return nil }
        return holding.last { $0.path.count == shortest }
    }

    static func follow(_ path: [PathStep], in value: Value) -> Value? {
        var current = value
        for step in path {
            switch (step, current) {
            case (.key(let key), .object(let object)):
                guard let next = object[key] else { return nil }
                current = next
            case (.index(let index), .list(let items)):
                guard index < items.count else { return nil }
                current = items[index]
            default: return nil
            }
        }
        return current
    }

    /// Finds the ids in an assigned value: an int variable, an object's `id`, and those of
    /// objects in its lists (the first 100 of each, three levels down).
    private func collect(_ value: Value, variable: String, path: [PathStep], depth: Int) {
        guard depth <= 3 else { return }
        switch value {
        case .int(let id) where path.isEmpty:
            places.append(IDPlace(variable: variable, path: [], id: id, kind: .any))
        case .object(let object):
            if case .int(let id)? = object["id"] {
                let kind: Kind = object["webhook_id"] != nil ? .delivery : (object["url"] != nil ? .webhook : .any)
                places.append(IDPlace(variable: variable, path: path + [.key("id")], id: id, kind: kind))
            }
            for (key, member) in object.pairs where key != "id" {
                collect(member, variable: variable, path: path + [.key(key)], depth: depth + 1)
            }
        case .list(let items):
            for (index, item) in items.prefix(100).enumerated() {
                collect(item, variable: variable, path: path + [.index(index)], depth: depth + 1)
            }
        default:
            break
        }
    }

    /// `secret("text")` with a literal: the text is the secret, so it becomes `env("WHS_SECRET")`.
    static func maskingSecretLiterals(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let start = rest.firstRange(of: "secret(\"") {
            out += rest[..<start.lowerBound]
            var index = start.upperBound
            var closed = false
            while index < rest.endIndex {
                let character = rest[index]
                if character == "\\" { index = rest.index(after: index); if index < rest.endIndex { index = rest.index(after: index) }; continue }
                if character == "\"" { closed = true; break }
                index = rest.index(after: index)
            }
            guard closed, rest.index(after: index) < rest.endIndex, rest[rest.index(after: index)] == ")" else {
                out += rest[start.lowerBound...]
                return out
            }
            out += "env(\"WHS_SECRET\")"
            rest = rest[rest.index(index, offsetBy: 2)...]
        }
        return out + rest
    }
}
