import Glibc
import WebhookCore
import WhsLanguage
import WhsSupport

/// Tab completion, from the same command table that drives dispatch and help: command names;
/// a command's argument names (`url=`, `api_user=`); event names after `events=`; variable names
/// after `$`; member names after `$var.` (from the variable's current value); file names after
/// `source` and `history save`; setting names and values after `set`.
public struct Completer {
    let interpreter: Interpreter

    public init(interpreter: Interpreter) { self.interpreter = interpreter }

    static let statementKeywords = ["if", "for", "while", "assert", "sleep", "wait", "watch", "def"]

    public func complete(_ text: String) -> EditLineReader.Completion {
        let statement = Completer.currentStatement(text)
        let word = Completer.currentWord(statement)
        if word.hasPrefix("$") { return variables(word) }
        let words = statement.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let typingFirstWord = words.isEmpty || (words.count == 1 && !word.isEmpty)
        if typingFirstWord {
            let names = interpreter.commands.keys.map { $0 + " " } + Completer.statementKeywords.map { $0 + " " }
                + interpreter.procedures.keys.map { $0 + "(" }
            return matching(word, names)
        }
        if words[0] == "watch" {
            // `watch every=2s count=3 { ... }`: its options, before the block.
            let used = Set(words.dropFirst().compactMap { $0.split(separator: "=").first.map(String.init) })
            return matching(word, ["every", "count", "timeout"].filter { !used.contains($0) }.map { $0 + "=" })
        }
        guard let command = interpreter.commands[words[0]] else { return EditLineReader.Completion(word: word, candidates: []) }
        if let equals = word.firstIndex(of: "=") {
            let name = String(word[..<equals])
            let spec = command.arguments.first { $0.name == name || $0.aliases.contains(name) }
            return values(of: spec, word: word, valueStart: word.index(after: equals), command: command, words: words)
        }
        if Completer.inOpenEventList(statement) {
            return matching(word, EventType.all.map(\.name))
        }
        // A positional argument: which one is being typed?
        let given = words.dropFirst().filter { !$0.contains("=") }.count - (word.isEmpty ? 0 : 1)
        if given < command.positionals.count {
            let spec = command.arguments.first { $0.name == command.positionals[given] }
            let offered = values(of: spec, word: word, valueStart: word.startIndex, command: command, words: words)
            if !offered.candidates.isEmpty || spec?.completion != ArgumentSpec.Completion.none { return offered }
        }
        let used = Set(words.dropFirst().compactMap { $0.split(separator: "=").first.map(String.init) })
        let names = command.arguments.filter { !used.contains($0.name) && !command.positionals.prefix(given).contains($0.name) }.map { $0.name + "=" }
        return matching(word, names)
    }

    /// The values an argument takes, for the part of `word` from `valueStart` on.
    private func values(of spec: ArgumentSpec?, word: String, valueStart: String.Index, command: CommandSpec, words: [String]) -> EditLineReader.Completion {
        let head = String(word[..<valueStart])
        let value = String(word[valueStart...])
        switch spec?.completion ?? .none {
        case .events:
            // After the last comma of `deliver,op` (or `[deliver,op`).
            let lastComma = value.lastIndex { $0 == "," || $0 == "[" }
            let keep = head + (lastComma.map { String(value[...$0]) } ?? "")
            return matching(word, EventType.all.map(\.name) + [ArgumentValues.allEvents], keep: keep)
        case .files:
            return matching(word, Completer.files(matching: value).map { head + $0 })
        case .words(let list):
            return matching(word, list.map { head + $0 + " " })
        case .settings:
            return matching(word, Settings.choices.map { head + $0.name + " " })
        case .settingValues:
            let setting = words.count > 1 ? words[1] : ""
            let choices = Settings.choices.first { $0.name == setting }?.values ?? []
            return matching(word, choices.map { head + $0 })
        case .commands:
            return matching(word, interpreter.commands.keys.map { head + $0 } + interpreter.procedures.keys.map { head + $0 } + [head + "functions"])
        case .variables:
            return variables(word)
        case .none:
            return EditLineReader.Completion(word: word, candidates: [])
        }
    }

    /// `$na` → variable names; `$hook.u` → the keys of `$hook`'s value.
    private func variables(_ word: String) -> EditLineReader.Completion {
        let path = word.dropFirst().split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if path.count == 1 {
            return matching(word, interpreter.variables.map { "$" + $0.name })
        }
        guard var value = interpreter.value(of: path[0]) else { return EditLineReader.Completion(word: word, candidates: []) }
        for key in path.dropFirst().dropLast() {
            guard case .object(let object) = value, let inner = object[key] else { return EditLineReader.Completion(word: word, candidates: []) }
            value = inner
        }
        guard case .object(let object) = value else { return EditLineReader.Completion(word: word, candidates: []) }
        let base = "$" + path.dropLast().joined(separator: ".") + "."
        return matching(word, object.keys.map { base + $0 })
    }

    private func matching(_ word: String, _ candidates: [String], keep: String = "") -> EditLineReader.Completion {
        let full = candidates.map { keep + $0 }
        let found = Array(Set(full.filter { $0.hasPrefix(word) && $0 != word })).sorted()
        return EditLineReader.Completion(word: word, candidates: found)
    }

    /// The text after the last `;`, `{` or `(` that starts a statement or a command.
    static func currentStatement(_ text: String) -> String {
        var inString: Character?
        var start = text.startIndex
        for index in text.indices {
            let character = text[index]
            if let quote = inString {
                if character == quote { inString = nil }
                continue
            }
            switch character {
            case "\"", "'": inString = character
            case ";", "{", "(": start = text.index(after: index)
            default: break
            }
        }
        return String(text[start...].drop { $0 == " " || $0 == "\t" })
    }

    /// The word before the cursor: back to white space or an opening bracket.
    static func currentWord(_ statement: String) -> String {
        String(statement.reversed().prefix { $0 != " " && $0 != "\t" && $0 != "(" && $0 != "{" }.reversed())
    }

    /// True inside `events=[deliver, ` while the list is still open.
    static func inOpenEventList(_ statement: String) -> Bool {
        guard let open = statement.ranges(of: "event=[").last ?? statement.ranges(of: "events=[").last else { return false }
        return !statement[open.upperBound...].contains("]")
    }

    /// File names that start with `prefix` (directories with a trailing `/`).
    static func files(matching prefix: String) -> [String] {
        let slash = prefix.lastIndex(of: "/")
        let directory = slash.map { String(prefix[...$0]) } ?? ""
        let base = slash.map { String(prefix[prefix.index(after: $0)...]) } ?? prefix
        var names: [String] = []
        for name in FileIO.names(inFolder: directory.isEmpty ? "." : directory) {
            guard name.hasPrefix(base), !name.hasPrefix(".") || base.hasPrefix(".") else { continue }
            var info = stat()
            let isDirectory = stat(directory + name, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
            names.append(directory + name + (isDirectory ? "/" : " "))
        }
        return names
    }

    static func commonPrefix(_ words: [String]) -> String {
        guard var prefix = words.first else { return "" }
        for word in words.dropFirst() {
            while !word.hasPrefix(prefix) { prefix.removeLast() }
        }
        return prefix
    }

    /// Candidates in columns, as shells list them.
    static func columns(_ words: [String], width: Int) -> String {
        let cell = (words.map(\.count).max() ?? 0) + 2
        let perLine = max(1, width / cell)
        var lines: [String] = []
        var line = ""
        for (index, word) in words.enumerated() {
            line += word + String(repeating: " ", count: cell - word.count)
            if (index + 1) % perLine == 0 { lines.append(line); line = "" }
        }
        if !line.isEmpty { lines.append(line) }
        return lines.map { String($0.reversed().drop { $0 == " " }.reversed()) }.joined(separator: "\n")
    }
}
