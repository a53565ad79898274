import WhsLanguage
import WhsSupport

/// Open documents and their diagnostics: each change is applied (whole text, or a range of it),
/// the text parsed again with recovery, and every diagnostic published at once.
extension LanguageServer {
    func opened(_ params: JSON) {
        guard let item = params["textDocument"], let uri = item["uri"]?.stringValue, let text = item["text"]?.stringValue else { return }
        documents[uri] = TextDocument(uri: uri, version: item["version"]?.intValue ?? 0, text: text)
        publish(uri)
    }

    func changed(_ params: JSON) {
        guard let item = params["textDocument"], let uri = item["uri"]?.stringValue, var document = documents[uri],
              case .array(let changes)? = params["contentChanges"] else { return }
        for change in changes {
            guard let text = change["text"]?.stringValue else { continue }
            document.apply(text, from: position(change["range"]?["start"]), to: position(change["range"]?["end"]))
        }
        document.version = item["version"]?.intValue ?? document.version + 1
        // The last text's syntax tree is torn down after the answer, not before it: for 5,000
        // lines that is a tenth of the time an edit takes (scripts/bench/lsp).
        let previous = documents.updateValue(document, forKey: uri)
        withExtendedLifetime(previous) { publish(uri) }
    }

    func closed(_ params: JSON) {
        guard let uri = params["textDocument"]?["uri"]?.stringValue else { return }
        documents[uri] = nil
        // A closed file's mistakes leave the problems list with it.
        notify("textDocument/publishDiagnostics", .object([("uri", .string(uri)), ("diagnostics", .array([]))]))
    }

    func position(_ json: JSON?) -> (line: Int, character: Int)? {
        guard let line = json?["line"]?.intValue, let character = json?["character"]?.intValue else { return nil }
        return (line, character)
    }

    func publish(_ uri: String) {
        guard var document = documents[uri] else { return }
        let items = diagnostics(of: &document)
        documents[uri] = document
        notify("textDocument/publishDiagnostics", .object([
            ("uri", .string(uri)), ("version", .int(document.version)), ("diagnostics", .array(items)),
        ]))
    }

    /// The document's analysis, made once per version.
    func analysed(_ document: inout TextDocument) -> (SourceFile, Analysis) {
        if let source = document.source, let analysis = document.analysis { return (source, analysis) }
        let source = SourceFile(name: FileURI.path(document.uri) ?? document.uri, text: document.text)
        let analysis: Analysis
        if let base = document.base {
            analysis = interpreter.analyse(source, after: base.analysis, replacing: base.edited, delta: base.delta)
        } else {
            analysis = interpreter.analyse(source)
        }
        document.base = nil
        document.source = source
        document.analysis = analysis
        return (source, analysis)
    }

    func diagnostics(of document: inout TextDocument) -> [JSON] {
        let (_, analysis) = analysed(&document)
        func item(_ range: Range<Int>, _ severity: Int, _ message: String) -> JSON {
            .object([("range", document.range(range)), ("severity", .int(severity)), ("source", .string("whs")), ("message", .string(message))])
        }
        // Errors: what the shell refuses before running anything. Warnings: what would fail
        // when it runs, found in the files the text sources.
        return analysis.diagnostics.map { item($0.offset..<$0.end, 1, $0.message) }
            + sourceWarnings(document, analysis).map { item($0.range, 2, $0.message) }
    }

    func diagnostics(of document: TextDocument) -> [JSON] {
        var copy = document
        let items = diagnostics(of: &copy)
        documents[document.uri] = copy
        return items
    }

    /// The open document a request names, analysed.
    func document(_ params: JSON) throws(Failure) -> TextDocument {
        guard let uri = params["textDocument"]?["uri"]?.stringValue else {
            throw Failure(code: .invalidParams, message: "textDocument.uri is missing")
        }
        guard var document = documents[uri] else {
            throw Failure(code: .invalidParams, message: "\(uri) is not open (textDocument/didOpen first)")
        }
        _ = analysed(&document)
        documents[uri] = document
        return document
    }

    /// The byte offset a request's `position` names in `document`.
    func offset(_ params: JSON, in document: TextDocument) throws(Failure) -> Int {
        guard let place = position(params["position"]) else { throw Failure(code: .invalidParams, message: "position is missing") }
        return document.offset(line: place.line, character: place.character)
    }
}
