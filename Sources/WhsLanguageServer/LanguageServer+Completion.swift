import WebhookCore
import WhsLanguage
import WhsShell
import WhsSupport

/// Completion, from the parse of the text as it stands (an unfinished `add url events=` is
/// read as far as it goes, so the command and the argument being written are known) and the
/// command table that completes at the prompt: command names and statement keywords where a
/// statement starts, a command's argument names, the values an argument takes (event names,
/// settings and their values, fixed words, files), variables and procedures in scope.
extension LanguageServer {
    struct Candidate {
        let label: String
        /// CompletionItemKind: 3 function, 6 variable, 5 field, 12 value, 14 keyword, 17 file, 20 enum member.
        let kind: Int
        var detail: String? = nil
        var documentation: String? = nil
        var insert: String? = nil
    }

    func completion(_ params: JSON) throws(Failure) -> JSON {
        var document = try document(params)
        let cursor = try offset(params, in: document)
        let (_, analysis) = analysed(&document)
        // The word before the cursor: back to white space, `;` or an opening bracket.
        var start = cursor
        while start > 0, let byte = document.byte(start - 1), !LanguageServer.endsWord(byte) { start -= 1 }
        let word = document.slice(start..<cursor)
        var replaceFrom = start
        var candidates: [Candidate]
        if word.hasPrefix("$") {
            candidates = variables(at: cursor, analysis.outline)
        } else if let use = command(at: cursor, in: analysis.outline, document), use.nameRange.upperBound < cursor {
            (candidates, replaceFrom) = arguments(of: use, word: word, wordStart: start, cursor: cursor, document: document, analysis: analysis)
        } else {
            candidates = statementStarts(document: document, analysis: analysis)
        }
        let range = document.range(replaceFrom..<cursor)
        let items: [JSON] = candidates.map { candidate in
            var fields: [(key: String, value: JSON)] = [("label", .string(candidate.label)), ("kind", .int(candidate.kind))]
            if let detail = candidate.detail { fields.append(("detail", .string(detail))) }
            if let documentation = candidate.documentation { fields.append(("documentation", .string(documentation))) }
            fields.append(("textEdit", .object([("range", range), ("newText", .string(candidate.insert ?? candidate.label))])))
            return .object(fields)
        }
        return .object([("isIncomplete", .bool(false)), ("items", .array(items))])
    }

    static func endsWord(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: ";"),
             UInt8(ascii: "("), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: ")"):
            return true
        default:
            return false
        }
    }

    /// The command whose statement the cursor is in: the last one to start before it, if no
    /// newline or `;` has ended it since what the parser read of it.
    func command(at cursor: Int, in outline: Outline, _ document: TextDocument) -> Outline.CommandUse? {
        guard let use = outline.commands.last(where: { $0.nameRange.lowerBound <= cursor }) else { return nil }
        if cursor <= use.end { return use }
        let between = document.slice(use.end..<cursor)
        return between.contains("\n") || between.contains(";") ? nil : use
    }

    /// Where a statement starts: commands, statement keywords, procedures.
    func statementStarts(document: TextDocument, analysis: Analysis) -> [Candidate] {
        var candidates = interpreter.commands.values.sorted { $0.name < $1.name }.map {
            Candidate(label: $0.name, kind: 3, detail: $0.usage, documentation: $0.summary)
        }
        candidates += ["if", "for", "while", "assert", "sleep", "wait", "def", "watch", "return", "break", "continue"].map {
            Candidate(label: $0, kind: 14)
        }
        candidates += procedures(visibleFrom: document, analysis: analysis).map {
            Candidate(label: $0.name, kind: 3, detail: $0.signature, documentation: "a procedure", insert: $0.name + "(")
        }
        return candidates
    }

    /// A command's arguments: the values of the one being written after `name=` (or of the
    /// positional one in its place), else the names not given yet.
    func arguments(of use: Outline.CommandUse, word: String, wordStart: Int, cursor: Int, document: TextDocument,
                   analysis: Analysis) -> ([Candidate], Int) {
        guard let spec = interpreter.commands[use.name] else { return ([], wordStart) }
        // `name=value`: the value from after `=`, or after the last `,` or `[` of a list.
        if let equals = word.firstIndex(of: "=") {
            let name = String(word[..<equals])
            let value = word[word.index(after: equals)...]
            let keep = value.lastIndex { $0 == "," || $0 == "[" }.map { value.index(after: $0) } ?? value.startIndex
            let from = wordStart + word.utf8.distance(from: word.startIndex, to: keep)
            let argument = spec.arguments.first { $0.name == name || $0.aliases.contains(name) }
            return (values(of: argument, use: use, document: document, analysis: analysis, cursor: cursor), from)
        }
        // Inside a list left open after `events=[open, `.
        let statement = document.slice(use.nameRange.lowerBound..<cursor)
        if let open = statement.ranges(of: "=[").last, !statement[open.upperBound...].contains("]") {
            let name = String(statement[..<open.lowerBound].reversed().prefix { $0.isLetter || $0 == "_" }.reversed())
            let argument = spec.arguments.first { $0.name == name || $0.aliases.contains(name) }
            let from = word.lastIndex { $0 == "," || $0 == "[" }.map { wordStart + word.utf8.distance(from: word.startIndex, to: $0) + 1 } ?? wordStart
            return (values(of: argument, use: use, document: document, analysis: analysis, cursor: cursor), from)
        }
        var candidates: [Candidate] = []
        let positionalsBefore = use.arguments.filter { $0.nameRange == nil && ($0.valueRange?.lowerBound ?? cursor) < wordStart }.count
        if positionalsBefore < spec.positionals.count, !spec.variadic {
            let argument = spec.arguments.first { $0.name == spec.positionals[positionalsBefore] }
            candidates += values(of: argument, use: use, document: document, analysis: analysis, cursor: cursor)
        }
        let given = Set(use.arguments.filter { $0.nameRange != nil || ($0.valueRange?.lowerBound ?? cursor) < wordStart }.compactMap(\.name))
        candidates += spec.arguments.filter { !given.contains($0.name) }.map {
            Candidate(label: $0.name + "=", kind: 5, detail: spec.usage, documentation: $0.summary)
        }
        return (candidates, wordStart)
    }

    /// The values an argument takes, as the prompt completes them.
    func values(of argument: ArgumentSpec?, use: Outline.CommandUse, document: TextDocument, analysis: Analysis, cursor: Int) -> [Candidate] {
        switch argument?.completion ?? .none {
        case .events:
            return EventType.all.map { Candidate(label: $0.name, kind: 20, detail: "event \($0.code)", documentation: $0.trigger) }
                + [Candidate(label: "all", kind: 20, detail: "every event")]
        case .words(let words):
            return words.map { Candidate(label: $0, kind: 12) }
        case .settings:
            return Settings.choices.map { Candidate(label: $0.name, kind: 10, detail: $0.values.joined(separator: " | ")) }
        case .settingValues:
            let setting = use.arguments.first?.literal ?? ""
            return (Settings.choices.first { $0.name == setting }?.values ?? []).map { Candidate(label: $0, kind: 12) }
        case .commands:
            return interpreter.commands.keys.sorted().map { Candidate(label: $0, kind: 3) } + [Candidate(label: "functions", kind: 14)]
        case .variables:
            return variables(at: cursor, analysis.outline)
        case .files:
            return files(near: document).map { Candidate(label: $0, kind: 17) }
        case .none:
            return []
        }
    }

    /// `$_`, `$error`, `$args`, every variable the text assigns, and the parameters of the
    /// procedure the cursor is in.
    func variables(at cursor: Int, _ outline: Outline) -> [Candidate] {
        var names = ["_", "error", "args"]
        for assignment in outline.assignments where !names.contains(assignment.name) { names.append(assignment.name) }
        for definition in outline.definitions where definition.range.contains(cursor) {
            for parameter in definition.parameters where !names.contains(parameter) { names.append(parameter) }
        }
        return names.map { Candidate(label: "$" + $0, kind: 6) }
    }

    /// `.whs` files in the document's folder, for `source`.
    func files(near document: TextDocument) -> [String] {
        guard let path = FileURI.path(document.uri) else { return [] }
        return Directory.names(in: FileURI.directory(of: path)).filter { $0.hasSuffix(".whs") }.sorted()
    }
}
