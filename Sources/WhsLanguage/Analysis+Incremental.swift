/// An edit parsed without parsing the whole text again (`whs lsp`, one change at a time).
/// Between two top-level statements nothing is open (no bracket, block or string) and nothing
/// the parser carries depends on what came before, except what the text declares
/// (`Declarations`): so the parse starts again at the statement before the one the edit is in,
/// and stops at the first top-level statement that starts after the edit where one started
/// before (the text from there on is the same, moved by the edit's length). What was found
/// before the restart and after the stop is taken from the previous analysis, moved. The
/// result is the whole parse's (RecoveryTests compares them on random edits).
extension Interpreter {
    /// `source` is the previous analysis's text with its bytes `edited` replaced by
    /// `edited.count + delta` others.
    public func analyse(_ source: SourceFile, after previous: Analysis, replacing edited: Range<Int>, delta: Int) -> Analysis {
        var parser = Parser(source: source, context: parserContext)
        guard !previous.readToEnd, parser.declarations == previous.declarations else { return parser.analysis() }
        let starts = previous.outline.statementStarts
        // The statement before the one the edit starts in: an edit at the very start of a
        // statement may join it to the one before.
        let index = Analysis.firstIndex(in: starts) { $0 >= edited.lowerBound } - 2
        let restart = index >= 0 ? starts[index] : 0
        let firstKept = edited.upperBound + 1
        parser.position = restart
        parser.lastEnd = restart
        parser.stopAt = { offset in
            let old = offset - delta
            guard old >= firstKept else { return false }
            let found = Analysis.firstIndex(in: starts) { $0 >= old }
            return found < starts.count && starts[found] == old
        }
        let middle = parser.analysis()
        let stop = parser.stoppedAt.map { $0 - delta }
        // "expected ']' to close '[' at 4:1" names a line and column, which the edit may have
        // moved: such a text is parsed whole (a bracket left open to the end already is).
        if let stop, previous.diagnostics.contains(where: { $0.offset >= stop && $0.message.contains(" to close ") }) {
            var whole = Parser(source: source, context: parserContext)
            return whole.analysis()
        }
        // Without a stop the parse went on to the end: only what came before the restart is kept.
        return previous.joined(before: restart, middle, after: stop, delta: delta, in: source)
    }
}

extension Analysis {
    /// The first index whose element satisfies `isAfter` (sorted: false then true), or the count.
    static func firstIndex(in sorted: [Int], where isAfter: (Int) -> Bool) -> Int {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if isAfter(sorted[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// This analysis before `restart`, then `middle`, then this analysis from `stop` (an offset
    /// of this text) moved by `delta`.
    func joined(before restart: Int, _ middle: Analysis, after stop: Int?, delta: Int, in source: SourceFile) -> Analysis {
        func kept(_ offset: Int) -> Bool { offset < restart }
        func moved(_ offset: Int) -> Bool { stop.map { offset >= $0 } ?? false }
        func shift(_ range: Range<Int>) -> Range<Int> { (range.lowerBound + delta)..<(range.upperBound + delta) }
        func rebased(_ diagnostic: Diagnostic, by amount: Int) -> Diagnostic {
            Diagnostic(diagnostic.message, in: source, at: diagnostic.offset + amount, to: diagnostic.end + amount)
        }
        let outline = Outline()
        let old = self.outline, new = middle.outline
        outline.statementStarts = old.statementStarts.filter(kept) + new.statementStarts + old.statementStarts.filter(moved).map { $0 + delta }
        outline.commands = old.commands.filter { kept($0.nameRange.lowerBound) } + new.commands
            + old.commands.filter { moved($0.nameRange.lowerBound) }.map { use in
                Outline.CommandUse(name: use.name, nameRange: shift(use.nameRange), isKnown: use.isKnown, arguments: use.arguments.map { argument in
                    Outline.ArgumentUse(name: argument.name, nameRange: argument.nameRange.map(shift), valueRange: argument.valueRange.map(shift), literal: argument.literal)
                }, end: use.end + delta)
            }
        outline.definitions = old.definitions.filter { kept($0.range.lowerBound) } + new.definitions
            + old.definitions.filter { moved($0.range.lowerBound) }.map {
                Outline.Definition(name: $0.name, nameRange: shift($0.nameRange), parameters: $0.parameters, range: shift($0.range))
            }
        outline.calls = old.calls.filter { kept($0.nameRange.lowerBound) } + new.calls
            + old.calls.filter { moved($0.nameRange.lowerBound) }.map { Outline.Call(name: $0.name, nameRange: shift($0.nameRange), isProcedure: $0.isProcedure) }
        outline.assignments = old.assignments.filter { kept($0.range.lowerBound) } + new.assignments
            + old.assignments.filter { moved($0.range.lowerBound) }.map { Outline.Assignment(name: $0.name, range: shift($0.range)) }
        let diagnostics = diagnostics.filter { kept($0.offset) }.map { rebased($0, by: 0) } + middle.diagnostics
            + diagnostics.filter { moved($0.offset) }.map { rebased($0, by: delta) }
        return Analysis(diagnostics: diagnostics, outline: outline, statements: middle.statements,
                        declarations: middle.declarations, readToEnd: middle.readToEnd)
    }
}
