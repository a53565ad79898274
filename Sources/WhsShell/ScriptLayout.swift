import WhsLanguage
import WhsSupport

/// A `.whs` file as `play` and `check` read it: its statements in order, each with the
/// captions (`#> text`) written before it and the expected output (`#=> text`) written after it
/// (docs/DEMOS.md). Other comments and blank lines are left alone.
struct ScriptLayout {
    struct Step {
        let statement: Statement
        /// 1-based lines of the file the statement spans.
        let firstLine: Int
        let lastLine: Int
        var captions: [String] = []
        var expected: [String] = []
        /// The lines the expectations are on.
        var expectedLines: [Int] = []
    }

    let lines: [String]
    var steps: [Step]
    /// Captions after the last statement.
    var closingCaptions: [String] = []

    static let captionMarker = "#>"
    static let expectationMarker = "#=>"

    init(text: String, name: String, interpreter: Interpreter) throws(ParseFailure) {
        let source = SourceFile(name: name, text: text)
        let statements = try interpreter.parse(source)
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        steps = statements.map { statement in
            Step(statement: statement, firstLine: source.location(of: statement.range.lowerBound).line,
                 lastLine: source.location(of: max(statement.range.lowerBound, statement.range.upperBound - 1)).line)
        }
        // Lines between statements: expectations belong to the statement before them, captions
        // to the statement after them.
        var stepIndex = 0
        for (index, line) in lines.enumerated() {
            let number = index + 1
            while stepIndex < steps.count && steps[stepIndex].lastLine < number { stepIndex += 1 }
            if stepIndex < steps.count && steps[stepIndex].firstLine <= number { continue }  // inside a statement
            let trimmed = line.trimmingBlanks
            if let text = ScriptLayout.marked(trimmed, ScriptLayout.expectationMarker), stepIndex > 0 {
                steps[stepIndex - 1].expected.append(text)
                steps[stepIndex - 1].expectedLines.append(number)
            } else if let text = ScriptLayout.marked(trimmed, ScriptLayout.captionMarker) {
                if stepIndex < steps.count { steps[stepIndex].captions.append(text) } else { closingCaptions.append(text) }
            }
        }
    }

    /// The text after `marker` and one space, or nil when the line does not start with it.
    static func marked(_ line: Substring, _ marker: String) -> String? {
        guard line.hasPrefix(marker) else { return nil }
        let rest = line.dropFirst(marker.count)
        return String(rest.hasPrefix(" ") ? rest.dropFirst() : rest)
    }
}
