import Glibc
import WhsLanguage
import WhsShell
import WhsSupport

/// Hover, go to definition and document symbols, from the outline the parser made. A
/// procedure may be defined in a file the text `source`s: those are found as the shell would
/// (the path as written, from the file's own folder, then the workspace's, then the folder the
/// server started in), read and parsed, never run.
extension LanguageServer {
    /// A file that a document sources, parsed.
    struct SourcedFile {
        let path: String
        let document: TextDocument
        let analysis: Analysis
    }

    func hover(_ params: JSON) throws(Failure) -> JSON {
        let document = try document(params)
        let at = try offset(params, in: document)
        let outline = document.analysis!.outline
        func answer(_ markdown: String, _ range: Range<Int>) -> JSON {
            // A client without Markdown gets the same text without its marks.
            let text = hoverMarkdown ? markdown : markdown.replacingMarks()
            return .object([("contents", .object([("kind", .string(hoverMarkdown ? "markdown" : "plaintext")), ("value", .string(text))])),
                            ("range", document.range(range))])
        }
        func touches(_ range: Range<Int>) -> Bool { range.lowerBound <= at && at <= range.upperBound }
        for use in outline.commands.reversed() {
            if use.isKnown, touches(use.nameRange) {
                return answer("```text\n\(Help.text(for: use.name, in: interpreter))\n```", use.nameRange)
            }
            for argument in use.arguments {
                guard let range = argument.nameRange, touches(range), let spec = interpreter.commands[use.name],
                      let found = spec.arguments.first(where: { $0.name == argument.name }) else { continue }
                return answer("`\(found.name)=` \(found.summary)\n\n`\(spec.usage)`", range)
            }
        }
        for call in outline.calls where touches(call.nameRange) {
            if !call.isProcedure, let function = interpreter.functions[call.name] {
                return answer("`\(function.signature)`", call.nameRange)
            }
            if let (definition, file) = definition(named: call.name, from: document) {
                let line = (file?.document ?? document).position(of: definition.nameRange.lowerBound).line + 1
                return answer("`\(definition.signature)`: a procedure, defined at \(file.map { "\($0.path):\(line)" } ?? "line \(line)")", call.nameRange)
            }
        }
        for definition in outline.definitions where touches(definition.nameRange) {
            return answer("`\(definition.signature)`: a procedure", definition.nameRange)
        }
        return .null
    }

    func definition(_ params: JSON) throws(Failure) -> JSON {
        let document = try document(params)
        let at = try offset(params, in: document)
        let outline = document.analysis!.outline
        for call in outline.calls where call.nameRange.lowerBound <= at && at <= call.nameRange.upperBound {
            guard let (definition, file) = definition(named: call.name, from: document) else { continue }
            let target = file?.document ?? document
            return .object([("uri", .string(target.uri)), ("range", target.range(definition.nameRange))])
        }
        // `source lib.whs`: the file itself.
        for use in outline.commands where use.name == "source" {
            guard let argument = use.arguments.first, let range = argument.valueRange, range.lowerBound <= at, at <= range.upperBound,
                  let literal = argument.literal, let path = resolve(literal, from: document) else { continue }
            let start: JSON = .object([("line", .int(0)), ("character", .int(0))])
            return .object([("uri", .string(FileURI.uri(path))), ("range", .object([("start", start), ("end", start)]))])
        }
        return .null
    }

    /// A procedure's definition: in the document, else in the files it sources (and theirs).
    func definition(named name: String, from document: TextDocument) -> (Outline.Definition, SourcedFile?)? {
        if let found = document.analysis?.outline.definitions.first(where: { $0.name == name }) { return (found, nil) }
        for file in sourcedFiles(of: document) {
            if let found = file.analysis.outline.definitions.first(where: { $0.name == name }) { return (found, file) }
        }
        return nil
    }

    /// The procedures a document can call: its own and those of the files it sources.
    func procedures(visibleFrom document: TextDocument, analysis: Analysis) -> [Outline.Definition] {
        var found = analysis.outline.definitions
        for file in sourcedFiles(of: document) { found += file.analysis.outline.definitions }
        var seen: Set<String> = []
        return found.filter { seen.insert($0.name).inserted }
    }

    /// The files `source` names in a document, and in those, as deep as the shell would go.
    func sourcedFiles(of document: TextDocument) -> [SourcedFile] {
        var files: [SourcedFile] = []
        var seen: Set<String> = []
        var queue: [(TextDocument, Int)] = [(document, 0)]
        while !queue.isEmpty {
            let (current, depth) = queue.removeFirst()
            guard depth < 16, let outline = current.analysis?.outline else { continue }
            for use in outline.commands where use.name == "source" {
                guard let literal = use.arguments.first?.literal, let path = resolve(literal, from: current),
                      seen.insert(path).inserted else { continue }
                let uri = FileURI.uri(path)
                var sourced: TextDocument
                if let open = documents[uri] { sourced = open } else {
                    guard let read = library(path) else { continue }
                    sourced = read
                }
                let (_, analysis) = analysed(&sourced)
                files.append(SourcedFile(path: path, document: sourced, analysis: analysis))
                queue.append((sourced, depth + 1))
            }
        }
        return files
    }

    /// A sourced file that is not open, parsed once per modification.
    func library(_ path: String) -> TextDocument? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let stamp = [Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec), Int(info.st_size)]
        if let known = libraries[path], known.stamp == stamp { return known.document }
        guard let text = try? FileIO.read(path) else { return nil }
        var document = TextDocument(uri: FileURI.uri(path), version: 0, text: text)
        _ = analysed(&document)
        libraries[path] = (stamp, document)
        return document
    }

    /// The absolute path of a file a document sources, if it exists.
    func resolve(_ path: String, from document: TextDocument) -> String? {
        if path.hasPrefix("/") { return access(path, R_OK) == 0 ? path : nil }
        var folders: [String] = []
        if let own = FileURI.path(document.uri) { folders.append(FileURI.directory(of: own)) }
        folders += roots
        if let cwd = currentDirectory() { folders.append(cwd) }
        for folder in folders {
            let candidate = folder.hasSuffix("/") ? folder + path : folder + "/" + path
            if access(candidate, R_OK) == 0 { return candidate }
        }
        return nil
    }

    func currentDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return nil }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Procedures, and the variables the file assigns outside them, in the order written.
    func documentSymbols(_ params: JSON) throws(Failure) -> JSON {
        let document = try document(params)
        let outline = document.analysis!.outline
        var symbols: [(at: Int, symbol: JSON)] = []
        for definition in outline.definitions {
            symbols.append((definition.range.lowerBound, .object([
                ("name", .string(definition.name)), ("detail", .string(definition.signature)), ("kind", .int(12)),
                ("range", document.range(definition.range)), ("selectionRange", document.range(definition.nameRange)),
            ])))
        }
        var seen: Set<String> = []
        for assignment in outline.assignments where !outline.definitions.contains(where: { $0.range.contains(assignment.range.lowerBound) }) {
            guard seen.insert(assignment.name).inserted else { continue }
            symbols.append((assignment.range.lowerBound, .object([
                ("name", .string("$" + assignment.name)), ("kind", .int(13)),
                ("range", document.range(assignment.range)), ("selectionRange", document.range(assignment.range)),
            ])))
        }
        return .array(symbols.sorted { $0.at < $1.at }.map(\.symbol))
    }
}

extension String {
    /// The text of the Markdown hovers are written in, without its code fences and backticks.
    func replacingMarks() -> String {
        split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("```") }
            .map { String($0.filter { $0 != "`" }) }.joined(separator: "\n")
    }
}
