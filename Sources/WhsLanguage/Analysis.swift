/// A text as an editor sees it (`whs lsp`): every syntax error, not just the first, and the
/// outline of what it holds. Made by the parser the shell runs, so the two cannot disagree;
/// nothing of the text runs, and the session's procedures are left as they were.
public struct Analysis {
    public let diagnostics: [Diagnostic]
    public let outline: Outline
    /// The statements parsed, kept so that their tree is torn down when the analysis goes,
    /// which a server may put off until it has answered.
    let statements: [Statement]
    /// What the text declared (Parser+Declarations.swift): an edit that changes it is parsed whole.
    let declarations: Declarations
    /// A statement read on to the end of the text (a string or bracket left open): what it
    /// says then depends on all that follows, so the next edit is parsed whole.
    let readToEnd: Bool
}

extension Interpreter {
    /// Parses `source` with error recovery: each statement that fails adds a diagnostic and
    /// parsing goes on after it (docs/DESIGN.md, "The parser's recovery").
    public func analyse(_ source: SourceFile) -> Analysis {
        var parser = Parser(source: source, context: parserContext)
        return parser.analysis()
    }
}

extension Parser {
    /// Parses from `position` to the end (or to `stopAt`) with recovery and an outline.
    mutating func analysis() -> Analysis {
        recovering = true
        let outline = Outline()
        self.outline = outline
        var statements: [Statement] = []
        do { statements = try parseScript() } catch {
            // Never with recovery on at the top level; kept so that nothing can be lost.
            diagnostics.append(error.diagnostic)
            readToEnd = true
        }
        return Analysis(diagnostics: diagnostics, outline: outline, statements: statements, declarations: declarations, readToEnd: readToEnd)
    }
}
