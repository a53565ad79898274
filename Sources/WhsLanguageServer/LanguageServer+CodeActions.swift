import WhsSupport

/// Quick fixes: a diagnostic that says `did you mean "list"?` offers to write `list` in place
/// of the word it underlines. The suggestion is the parser's (Suggestion.hint), read back from
/// the message the editor hands in with the request.
extension LanguageServer {
    func codeActions(_ params: JSON) throws(Failure) -> JSON {
        let document = try document(params)
        guard case .array(let diagnostics)? = params["context"]?["diagnostics"] else { return .array([]) }
        var actions: [JSON] = []
        for diagnostic in diagnostics {
            guard let message = diagnostic["message"]?.stringValue, let suggestion = LanguageServer.suggestion(in: message),
                  let range = diagnostic["range"], let start = position(range["start"]), let end = position(range["end"]) else { continue }
            let lower = document.offset(line: start.line, character: start.character)
            let upper = document.offset(line: end.line, character: end.character)
            // Only a word underlined whole: never an edit across lines or of nothing.
            guard lower < upper, !document.slice(lower..<upper).contains("\n") else { continue }
            let edit: JSON = .object([("range", document.range(lower..<upper)), ("newText", .string(suggestion))])
            actions.append(.object([
                ("title", .string("Change to \(suggestion)")),
                ("kind", .string("quickfix")),
                ("diagnostics", .array([diagnostic])),
                ("isPreferred", .bool(true)),
                ("edit", .object([("changes", .object([(document.uri, .array([edit]))]))])),
            ]))
        }
        return .array(actions)
    }

    /// `list` from `...; did you mean "list"?`.
    static func suggestion(in message: String) -> String? {
        guard let marker = message.firstRange(of: "did you mean \""), let close = message[marker.upperBound...].firstIndex(of: "\"") else { return nil }
        let word = String(message[marker.upperBound..<close])
        return word.isEmpty ? nil : word
    }
}
