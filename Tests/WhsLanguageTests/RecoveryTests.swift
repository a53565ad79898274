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
