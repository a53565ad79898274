/// An error with a place in the source: a syntax error, or a statement that failed at run time.
/// Printed as `file:line:col: error: message`, then the source line and a caret under the place
/// (swift-format's and clang's layout).
public struct Diagnostic: Error, Sendable, CustomStringConvertible {
    public let message: String
    public let source: SourceFile
    public let offset: Int
    /// Where the place ends (a byte offset, at least `offset`): the whole of a mistyped name, for
    /// an editor to underline (`whs lsp`); the shell shows only where it starts.
    public let end: Int

    public init(_ message: String, in source: SourceFile, at offset: Int, to end: Int? = nil) {
        self.message = message
        self.source = source
        self.offset = offset
        self.end = max(offset, end ?? offset)
    }

    public var line: Int { source.location(of: offset).line }
    public var column: Int { source.location(of: offset).column }

    /// `3:14`
    public var place: String {
        let (line, column) = source.location(of: offset)
        return "\(line):\(column)"
    }

    /// The first line: `script.whs:3:14: error: message`, or `error: message` when the source
    /// has no name (the prompt), where the caret shows the place.
    public var headline: String {
        if let name = source.name { return "\(name):\(place): error: \(message)" }
        if source.lineCount > 1 { return "\(place): error: \(message)" }
        return "error: \(message)"
    }

    /// Headline, the source line, and a caret under the column.
    public var rendered: String {
        let text = source.lineText(containing: offset)
        let column = source.location(of: offset).column
        // Keep tabs in the padding so the caret lines up under tab-indented code.
        let padding = String(text.prefix(column - 1).map { $0 == "\t" ? "\t" : " " })
        return "\(headline)\n    \(text)\n    \(padding)^"
    }

    public var description: String { headline }
}
