/// Error recovery, for `whs lsp`: the shell stops at a text's first syntax error (nothing of a
/// script runs when any of it is wrong), an editor wants all of them at once. The same parser
/// does both: with `recovering` on, a statement that fails is noted and skipped to the next
/// statement boundary (a newline or `;` outside brackets, or the `}` that closes the block it
/// is in), and parsing goes on from there. Statements inside a block recover inside it, so a
/// mistake in a procedure's body leaves the rest of the body checked.
extension Parser {
    /// Notes `error` and moves to where the next statement may start; without `recovering`,
    /// throws it as before.
    mutating func recover(from error: ParseFailure, statementAt start: Int, inBlock: Bool) throws(ParseFailure) {
        guard recovering else { throw error }
        if case .incomplete = error { readToEnd = true }
        let diagnostic = error.diagnostic
        if !diagnostics.contains(where: { $0.offset == diagnostic.offset && $0.message == diagnostic.message }) {
            diagnostics.append(diagnostic)
        }
        let skipped = skipStatement(from: start, inBlock: inBlock)
        position = skipped.offset
        highWater = max(highWater, skipped.reached)
        lastEnd = position
        lastPeek = nil
    }

    /// The offset after the statement that starts at `start`: its tokens are read again in
    /// value mode, counting brackets, up to a newline or `;` outside them (taken), the `}` of
    /// the enclosing block (left for the block) or the end. A token that cannot be scanned
    /// (a string that never ends) skips the rest of its line. Also how far the scanning read
    /// (a string that fails may have read past the line it skips to).
    func skipStatement(from start: Int, inBlock: Bool) -> (offset: Int, reached: Int) {
        var index = start
        var depth = 0
        var reached = start
        while true {
            let token: Token
            do { token = try scanner.scan(at: index, mode: .value) } catch {
                switch error {
                case .syntax(_, let at): reached = max(reached, at + 10)
                case .incomplete: reached = Int.max
                }
                while let b = byte(index), b != UInt8(ascii: "\n") { index += 1 }
                continue
            }
            reached = max(reached, token.end)
            switch token.kind {
            case .end: return (token.start, reached)
            case .newline where depth == 0, .semicolon where depth == 0: return (token.end, reached)
            case .openParen, .openBracket, .openBrace: depth += 1
            case .closeParen, .closeBracket: depth = max(0, depth - 1)
            case .closeBrace:
                if depth > 0 { depth -= 1 } else if inBlock { return (token.start, reached) }
            default: break
            }
            index = token.end
        }
    }
}
