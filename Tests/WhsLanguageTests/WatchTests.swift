import Testing
@testable import WhsLanguage

/// `watch`: parsed with its options before the block; needs count= or timeout= in a script;
/// runs the block `count` times, a failing statement reported and the watch going on.
@Suite struct WatchTests {
    func parse(_ text: String, name: String? = "t.whs") -> String? {
        do {
            _ = try ParserTests.interpreter().parse(SourceFile(name: name, text: text))
            return nil
        } catch {
            return error.diagnostic.message
        }
    }

    @Test func aScriptNeedsCountOrTimeoutThePromptDoesNot() {
        #expect(parse("watch every=1s { print 1 }")?.hasPrefix("watch in a script needs count= or timeout=") == true)
        #expect(parse("watch every=1s { print 1 }", name: nil) == nil)
        #expect(parse("watch count=2 { print 1 }") == nil)
        #expect(parse("watch timeout=5s { print 1 }") == nil)
    }

    @Test(arguments: [
        ("watch evry=1s count=1 { }", "watch: unknown option \"evry\""),
        ("watch count=1 count=2 { }", "watch: count= given twice"),
        ("watch count=1 print 1", "expected '{' after watch"),
        ("watch count=1 { break }", "'break' outside a loop"),
        ("def watch() { }", "'watch' is a reserved word"),
        ("def output($x) { }", "'output' is a reserved word"),
    ])
    func mistakesAreSyntaxErrors(_ text: String, _ message: String) {
        #expect(parse(text)?.hasPrefix(message) == true, "\(text): \(parse(text) ?? "parsed")")
    }

    @Test func runsTheBlockCountTimesReportingFailuresAndGoingOn() throws {
        let interpreter = ParserTests.interpreter()
        var shown: [String] = []
        var runs: [Int] = []
        var failures: [String] = []
        interpreter.show = { shown.append($0.plainText) }
        interpreter.beginWatchRun = { runs.append($0.number) }
        interpreter.reportWatchFailure = { failures.append($0.diagnostic?.message ?? "") }
        let text = "$n = 0\nwatch every=1ms count=3 { $n = $n + 1; 1 / 0; $n }"
        for statement in try interpreter.parse(SourceFile(name: "t.whs", text: text)) { try interpreter.run(statement) }
        #expect(runs == [1, 2, 3])
        #expect(shown == ["1", "2", "3"])
        #expect(failures.count == 3)
    }

    @Test func timeoutEndsTheWatchAndCountMustBePositive() throws {
        let interpreter = ParserTests.interpreter()
        var runs = 0
        interpreter.beginWatchRun = { _ in runs += 1 }
        for statement in try interpreter.parse(SourceFile(name: "t.whs", text: "watch every=20ms timeout=50ms { }")) { try interpreter.run(statement) }
        #expect((2...4).contains(runs))
        let bad = try interpreter.parse(SourceFile(name: "t.whs", text: "watch count=0 { }"))
        #expect(throws: RuntimeError.self) { try interpreter.run(bad[0]) }
    }
}
