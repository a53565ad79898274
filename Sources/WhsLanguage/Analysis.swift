/// A text as an editor sees it (`whs lsp`): every syntax error, not just the first, and the
/// outline of what it holds. Made by the parser the shell runs, so the two cannot disagree;
/// nothing of the text runs, and the session's procedures are left as they were.
public struct Analysis {
    public let diagnostics: [Diagnostic]
    public let outline: Outline
    /// The statements parsed, kept so that their tree is torn down when the analysis goes,
    /// which a server may put off until it has answered.
    let statements: [Statement]
}

extension Interpreter {
    /// Parses `source` with error recovery: each statement that fails adds a diagnostic and
    /// parsing goes on after it (docs/DESIGN.md, "The parser's recovery").
    public func analyse(_ source: SourceFile) -> Analysis {
        var parser = Parser(source: source, context: parserContext)
        parser.recovering = true
        let outline = Outline()
        parser.outline = outline
        var statements: [Statement] = []
        do { statements = try parser.parseScript() } catch {
            // Only a failure outside any statement gets here (a block left open at the end).
            parser.diagnostics.append(error.diagnostic)
        }
        return Analysis(diagnostics: parser.diagnostics, outline: outline, statements: statements)
    }
}
