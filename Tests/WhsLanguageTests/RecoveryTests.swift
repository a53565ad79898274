import Testing
@testable import WhsLanguage

/// Error recovery and the outline (`Interpreter.analyse`, for `whs lsp`): every statement that
/// fails gives a diagnostic with its range, parsing goes on after it, and an unfinished
/// statement leaves what completion needs. The shell's `parse` still stops at the first.
@Suite struct RecoveryTests {
    func analyse(_ text: String) -> Analysis {
        ParserTests.interpreter().analyse(SourceFile(name: "t.whs", text: text))
    }

    /// `line:col-line:col message` of each diagnostic, the end column exclusive.
    func described(_ analysis: Analysis) -> [String] {
        analysis.diagnostics.map { d in
            let start = d.source.location(of: d.offset), end = d.source.location(of: d.end)
            return "\(start.line):\(start.column)-\(end.line):\(end.column) \(d.message)"
        }
    }

    @Test func everyFailingStatementIsReported() {
        let text = "lst\nlist limt=1\nprint lenn(1)\nlist limit=2\nadd a url=b\n"
        #expect(described(analyse(text)) == [
            "1:1-1:4 unknown command \"lst\"; did you mean \"list\"?",
            "2:6-2:10 list: unknown argument \"limt\"; did you mean \"limit\"?",
            "3:7-3:11 unknown function \"lenn\"; did you mean \"len\"?",
            "5:7-5:10 add: argument 'url' given twice",
        ])
        // The shell's parse is unchanged: the first failure, nothing else.
        #expect(throws: ParseFailure.self) { try ParserTests.interpreter().parse(SourceFile(name: "t.whs", text: text)) }
    }

    @Test func statementsInsideABlockRecoverInsideIt() {
        let analysis = analyse("def f($a) {\n  lst\n  print $a\n  bogus 1\n}\nlist limt=1\n")
        #expect(described(analysis).map { String($0.prefix(3)) } == ["2:3", "4:3", "6:6"])
        let definition = analysis.outline.definitions.first
        #expect(definition?.name == "f")
        #expect(definition?.parameters == ["a"])
        // The definition spans its body, up to and with the closing brace (offset 39).
        #expect(definition?.range == 0..<40)
    }

    @Test func aBlockLeftOpenIsOneDiagnostic() {
        #expect(described(analyse("if true {\n  print 1\n")) == ["3:1-3:1 expected '}' to close '{' at 1:9, found end of input"])
    }

    @Test func strayClosersAndBrokenStringsDoNotStopIt() {
        #expect(described(analyse("}\nlist\n)\nlst")).map { String($0.prefix(3)) } == ["1:1", "3:1", "4:1"])
        let broken = described(analyse("print \"abc\\q\"\nlst\nprint \"never closed\nlis"))
        // A string that never closes skips the rest of its line only: the next line is read.
        #expect(broken.count == 4)
        #expect(broken.first?.contains("unknown escape") == true)
        #expect(broken.dropFirst().first?.hasPrefix("2:1-2:4 unknown command \"lst\"") == true)
        #expect(broken.dropFirst(2).first?.contains("unterminated string") == true)
        #expect(broken.last?.hasPrefix("4:1-4:4 unknown command \"lis\"") == true)
    }

    @Test func anUnfinishedArgumentIsInTheOutline() {
        let analysis = analyse("add https://x.example events=")
        #expect(analysis.diagnostics.count == 1)
        let add = analysis.outline.commands.first
        #expect(add?.name == "add")
        #expect(add?.isKnown == true)
        #expect(add?.arguments.map(\.name) == ["url", "events"])
        #expect(add?.arguments.first?.literal == "https://x.example")
        #expect(add?.arguments.last?.nameRange == 22..<28)
        #expect(add?.arguments.last?.valueRange == nil)
    }

    @Test func theOutlineHoldsCallsAssignmentsAndUnknownCommands() {
        let analysis = analyse("$x = len([1])\ngreet(1)\nfor $i in [1] { lst }\ndef greet($who) { print $who }\n")
        #expect(analysis.outline.assignments.map(\.name) == ["x", "i"])
        #expect(analysis.outline.calls.map(\.name) == ["len", "greet"])
        #expect(analysis.outline.calls.map(\.isProcedure) == [false, true])
        #expect(analysis.outline.commands.map(\.name) == ["lst", "print"])
        #expect(analysis.outline.commands.map(\.isKnown) == [false, true])
        #expect(analysis.outline.definitions.map(\.signature) == ["greet($who)"])
    }

    /// Declared procedures and `source` lines are read from the bytes: indented, after blank
    /// lines, in CRLF files, and a call before its definition parses.
    @Test func declarationsAreReadFromTheBytes() throws {
        let found = Declarations(in: Array("def a() {}\r\n  def  b_2($x) { }\n\n\tdef c\nsource x.whs\r\n#def d() {}\nxdef e() {}".utf8))
        #expect(found.procedures == ["a", "b_2", "c"])
        #expect(found.sourcesFiles)
        #expect(!Declarations(in: Array("print 1\n  # source x\nsources\n".utf8)).sourcesFiles)
        _ = try ParserTests.interpreter().parse(SourceFile(name: "t.whs", text: "print later(1)\r\ndef later($x) {\r\n  return $x\r\n}\r\n"))
    }

    /// Everything an analysis holds, as text, to compare two of them.
    func summary(_ analysis: Analysis) -> [String] {
        let o = analysis.outline
        return analysis.diagnostics.map { "diagnostic \($0.offset) \($0.end) \($0.message)" }
            + o.commands.map { c in "command \(c.name) \(c.nameRange) \(c.isKnown) \(c.end) "
                + c.arguments.map { "\($0.name ?? "-") \(String(describing: $0.nameRange)) \(String(describing: $0.valueRange)) \($0.literal ?? "-")" }.joined(separator: ", ") }
            + o.definitions.map { "def \($0.name) \($0.nameRange) \($0.range) \($0.parameters)" }
            + o.calls.map { "call \($0.name) \($0.nameRange) \($0.isProcedure)" }
            + o.assignments.map { "assign \($0.name) \($0.range)" }
            + ["starts \(o.statementStarts)"]
    }

    /// A small generator with a seed, so that a failure can be replayed.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
    }

    /// An edit parsed incrementally gives exactly what parsing the whole new text gives:
    /// random texts, random edits (inserting, deleting, replacing; brackets, strings and
    /// definitions appearing and going).
    @Test func anEditParsedIncrementallyIsTheWholeParse() {
        var generator = Seeded(state: 0x5EED_1234_ABCD_0001)
        let pieces = ["list limit=1\n", "lst\n", "def f($a) {\n", "}\n", "add x events=open\n", "add y events=", "\"", "'", "[", "]", "(", ")",
                      "$x = 1\n", "print \"${1 + }\"\n", "print \"a${len([1])}\"\n", "if true {\n", "} else {\n", "# c\n", ";", "\\\n",
                      "source a.whs\n", "g(1)\n", "f(2)\n", "\n", " ", "{", "print 1 +\n", "for $i in [1] { print $i }\n", "def g() { return 1 }\n"]
        let balanced = pieces.filter { $0.hasSuffix("\n") && $0.count > 2 && !["if true {\n", "def f($a) {\n", "} else {\n", "print 1 +\n"].contains($0) }
        let interpreter = ParserTests.interpreter()
        var incrementalCount = 0
        for round in 0..<3000 {
            // Every other text is made of whole statements only; the edits bring in anything.
            let from = round % 2 == 0 ? balanced : pieces
            let text = (0..<Int.random(in: 1...24, using: &generator)).map { _ in from.randomElement(using: &generator)! }.joined()
            let before = interpreter.analyse(SourceFile(name: "t.whs", text: text))
            var bytes = Array(text.utf8)
            let lower = Int.random(in: 0...bytes.count, using: &generator)
            let upper = Int.random(in: lower...min(bytes.count, lower + 12), using: &generator)
            let inserted = Bool.random(using: &generator) ? "" : (0..<Int.random(in: 1...2, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            bytes.replaceSubrange(lower..<upper, with: Array(inserted.utf8))
            let after = SourceFile(name: "t.whs", text: String(decoding: bytes, as: UTF8.self))
            let whole = interpreter.analyse(after)
            let incremental = interpreter.analyse(after, after: before, replacing: lower..<upper, delta: inserted.utf8.count - (upper - lower))
            if !before.readToEnd { incrementalCount += 1 }
            #expect(summary(incremental) == summary(whole), "round \(round): \(text.debugDescription) with \(lower)..<\(upper) replaced by \(inserted.debugDescription)")
            if summary(incremental) != summary(whole) { break }
        }
        // Most edits of whole statements took the incremental path (the others started from a
        // text with a string or bracket left open to its end).
        #expect(incrementalCount > 1200)
    }

    /// Whatever the text, recovery ends (each skip moves forward) and reports something for
    /// a text the shell refuses.
    @Test func recoveryAlwaysEnds() {
        var generator = SystemRandomNumberGenerator()
        let pieces = ["list", " ", "\n", "{", "}", "(", ")", "[", "]", "\"", "'", "$x", "=", "limit=", "1", ",", ";", "if", "def f(", "\\", "#c", "lst", "${", "é"]
        for _ in 0..<2000 {
            let text = (0..<Int.random(in: 1...30, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            let analysis = analyse(text)
            let shellFails = (try? ParserTests.interpreter().parse(SourceFile(name: "t.whs", text: text))) == nil
            #expect(shellFails == !analysis.diagnostics.isEmpty, "\(text)")
        }
    }
}
