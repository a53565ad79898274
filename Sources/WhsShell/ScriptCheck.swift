import WhsLanguage
import WhsSupport

/// `whs check FILE...`: runs each script on a fresh shell and compares what every statement
/// shows with the `#=>` lines after it, doctest style (docs/DEMOS.md). `--update` writes what
/// was shown instead.
public enum ScriptCheck {
    public struct Summary {
        public var files = 0
        public var statements = 0
        public var mismatches = 0
        /// A file could not be read or parsed.
        public var broken = 0

        public init(files: Int = 0) { self.files = files }
    }

    /// Checks one file on the shell `makeShell` gives for a sink (a fresh backend each time).
    /// Reports go to `report`; returns what was found.
    public static func check(path: String, update: Bool, report: OutputSink,
                             makeShell: (OutputSink) throws -> Shell) -> Summary {
        var summary = Summary(files: 1)
        let text: String
        do { text = try FileIO.read(path) } catch {
            report.line("\(path): cannot read: \(error)")
            summary.broken = 1
            return summary
        }
        let captured = OutputSink(capturing: ())
        let shell: Shell
        do { shell = try makeShell(captured) } catch {
            report.line("\(path): \(error)")
            summary.broken = 1
            return summary
        }
        shell.keepGoing = true
        shell.reportsMessagesOnly = true
        let layout: ScriptLayout
        do { layout = try ScriptLayout(text: text, name: path, interpreter: shell.interpreter) } catch {
            report.line(error.diagnostic.rendered)
            summary.broken = 1
            return summary
        }
        var shown: [[String]] = []
        for step in layout.steps {
            let outcome = shell.run([step.statement])
            shell.out.flush()
            var lines = captured.takeCaptured().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.last == "" { lines.removeLast() }
            shown.append(lines)
            summary.statements += 1
            if !update, !OutputPattern.matches(step.expected, lines) {
                summary.mismatches += 1
                report.line(difference(path: path, step: step, shown: lines))
            }
            if case .exited = outcome { break }
        }
        if update {
            do { try FileIO.write(updated(layout, shown: shown), to: path) } catch {
                report.line("\(path): cannot write: \(error)")
                summary.broken = 1
            }
        }
        return summary
    }

    /// `FILE:LINE: what the statement showed differs`, then the expected lines (-) and the
    /// shown ones (+).
    static func difference(path: String, step: ScriptLayout.Step, shown: [String]) -> String {
        let line = step.expectedLines.first ?? step.lastLine + 1
        let firstLine = step.statement.text.split(separator: "\n").first.map(String.init) ?? ""
        var out = ["\(path):\(line): output of `\(firstLine)` (line \(step.firstLine)) differs:"]
        out += step.expected.map { "  - #=> \($0)".trimmingTrailingBlanks }
        out += shown.map { "  + #=> \($0)".trimmingTrailingBlanks }
        if step.expected.isEmpty { out.append("  (no #=> lines follow the statement)") }
        if shown.isEmpty { out.append("  (it showed nothing)") }
        return out.joined(separator: "\n")
    }

    /// The file with each statement's expectations replaced by what it showed. A block whose
    /// patterns still match is kept as written, so `...` survives an update.
    static func updated(_ layout: ScriptLayout, shown: [[String]]) -> String {
        var dropped: Set<Int> = []
        var insertAfter: [Int: [String]] = [:]
        for (index, step) in layout.steps.enumerated() where index < shown.count {
            if OutputPattern.matches(step.expected, shown[index]) { continue }
            dropped.formUnion(step.expectedLines)
            insertAfter[step.lastLine] = shown[index].map { $0.isEmpty ? "#=>" : "#=> " + $0 }
        }
        var out: [String] = []
        for (index, line) in layout.lines.enumerated() {
            let number = index + 1
            if !dropped.contains(number) { out.append(line) }
            if let block = insertAfter[number] { out += block }
        }
        return out.joined(separator: "\n")
    }
}

extension String {
    var trimmingTrailingBlanks: String {
        var text = self[...]
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
