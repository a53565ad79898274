import Testing
@testable import WhsLanguage

/// Syntax errors: one message, at the right place. Incomplete input is told apart.
@Suite struct ParserTests {
    static func interpreter() -> Interpreter {
        let interpreter = Interpreter()
        interpreter.install(CommandSpec(name: "add", summary: "", usage: "add URL", positionals: ["url"],
                                        arguments: [ArgumentSpec("url", ""), ArgumentSpec("api_user", ""), ArgumentSpec("events", aliases: ["event"], "")]) { _ in .null })
        interpreter.install(CommandSpec(name: "list", summary: "", usage: "list", arguments: [ArgumentSpec("limit", "")]) { _ in .null })
        interpreter.install(CommandSpec(name: "print", summary: "", usage: "print", variadic: true) { _ in .null })
        return interpreter
    }

    func parse(_ text: String) throws(ParseFailure) -> [Statement] {
        try ParserTests.interpreter().parse(SourceFile(name: "t.whs", text: text))
    }

    @Test(arguments: [
        ("print [1, 2", "t.whs:1:12: error: expected ']' to close '[' at 1:7, found end of input"),
        ("print (1 + 2", "t.whs:1:13: error: expected ')' to close '(' at 1:7, found end of input"),
        ("if true {\n  print 1\n", "t.whs:3:1: error: expected '}' to close '{' at 1:9, found end of input"),
        ("print {a: 1", "t.whs:1:12: error: expected '}' to close '{' at 1:7, found end of input"),
        ("print \"abc", "t.whs:1:7: error: unterminated string: expected \" to close the string"),
        ("$x = \\", "t.whs:1:6: error: line continues after '\\'"),
    ])
    func incomplete(_ text: String, _ message: String) {
        #expect(failure(text) == .init(incomplete: true, headline: message))
    }

    struct Failure: Equatable {
        let incomplete: Bool
        let headline: String
    }

    /// How `text` fails to parse, or nil when it parses.
    func failure(_ text: String) -> Failure? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            if case .incomplete = error { return Failure(incomplete: true, headline: error.diagnostic.headline) }
            return Failure(incomplete: false, headline: error.diagnostic.headline)
        }
    }

    @Test(arguments: [
        ("lst", "t.whs:1:1: error: unknown command \"lst\"; did you mean \"list\"?"),
        ("list limt=1", "t.whs:1:6: error: list: unknown argument \"limt\"; did you mean \"limit\"?"),
        ("list foo", "t.whs:1:6: error: list: too many arguments (it takes no positional arguments; usage: list)"),
        ("add a url=b", "t.whs:1:7: error: add: argument 'url' given twice"),
        ("add x events= open", "t.whs:1:14: error: add: 'events=' needs a value right after '=', with no space"),
        ("list limit = 1", "t.whs:1:12: error: list: '=' needs a name right before it and a value right after it, with no spaces (name=value)"),
        ("print [1 2]", "t.whs:1:10: error: expected ']' to close '[' at 1:7, found number 2"),
        ("print 1 +", "t.whs:1:10: error: expected a value, found end of input"),
        ("$x = )", "t.whs:1:6: error: expected a value, found ')'"),
        ("print lenn($x)", "t.whs:1:7: error: unknown function \"lenn\"; did you mean \"len\"?"),
        ("print len(1, 2)", "t.whs:1:7: error: len() takes 1 argument, got 2 (len(x): items of a list or object, characters of a string)"),
        ("break", "t.whs:1:1: error: 'break' outside a loop"),
        ("print 1\n}", "t.whs:2:1: error: expected a value, found '}'"),
        ("if true print 1", "t.whs:1:9: error: expected '{' after if condition, found 'print'"),
        ("for x in [1] {}", "t.whs:1:5: error: expected a variable after 'for' (for $x in ...), found 'x'"),
        ("for $x of [1] {}", "t.whs:1:8: error: expected 'in' after 'for $x', found 'of'"),
        ("else { }", "t.whs:1:1: error: 'else' without 'if' (it goes on the line of the '}' before it)"),
        ("print 1 < 2 < 3", "t.whs:1:13: error: comparisons cannot be chained: use 'and' (a < b and b < c)"),
        ("$x = 1 2", "t.whs:1:8: error: expected end of statement (a newline or ';'), found number 2"),
        ("print 99999999999999999999", "t.whs:1:7: error: number 99999999999999999999 is too large (integers are 64-bit)"),
        ("print $", "t.whs:1:7: error: expected a variable name after '$'"),
        ("print \"${1 +}\"", "t.whs:1:13: error: expected a value, found end of input"),
        ("print \"${1 2}\"", "t.whs:1:12: error: unexpected number 2 in ${...}"),
        ("print {1: 2}", "t.whs:1:8: error: expected a key (a name or a string) in object, found number 1"),
        ("print $x.", "t.whs:1:10: error: expected a field name after '.', found end of input"),
        ("print 1\nprint 2 )", "t.whs:2:9: error: expected end of statement (a newline or ';'), found ')'"),
        ("print \"\\q\"", "t.whs:1:8: error: unknown escape '\\q' in string"),
    ])
    func syntaxErrors(_ text: String, _ message: String) {
        #expect(failure(text) == .init(incomplete: false, headline: message))
    }

    @Test func caretPointsAtTheColumn() throws {
        do {
            _ = try parse("print 1\n\tprint [1 2]")
        } catch {
            #expect(error.diagnostic.rendered == "t.whs:2:11: error: expected ']' to close '[' at 2:8, found number 2\n    \tprint [1 2]\n    \t         ^")
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = "print " + String(repeating: "(", count: 500) + "1" + String(repeating: ")", count: 500)
        #expect(throws: ParseFailure.self) { try parse(deep) }
        let deepBlocks = String(repeating: "if true {", count: 300) + String(repeating: "}", count: 300)
        #expect(throws: ParseFailure.self) { try parse(deepBlocks) }
    }

    @Test(arguments: [
        "add https://example.com/hooks/email events=deliver,open api_user=alice" as String,
        "$hook = add https://e.example/h events=[click, open, 32]",
        "for $w in (list).result {\n  if $w.url == \"x\" { print $w.url } elif false { } else { }\n}",
        "while false { break; continue }",
        "print \"created ${hook.id} for $name\"",
        "assert 1 < 2, \"math\"",
        "$x = {id: 1, \"x y\": [1, 2,], }; print $x[\"x y\"][-1]",
        "print $a $b; print len($l) $l[0]",
        "print (1\n + 2)",
        "$x = -1 * -(2)",
        "print 1 # a comment\n# whole line\n",
    ])
    func acceptsTheLanguage(_ text: String) throws {
        _ = try parse(text)
    }

    @Test func argumentsAreSplitByWhiteSpace() throws {
        let statements = try parse("print $x + 1 $y [1] $z[0] -3")
        guard case .command(let call) = statements[0].kind else { Issue.record("not a command"); return }
        // `$x + 1` is one argument; `$y` and `[1]` are two; `$z[0]` one; `-3` one: a `-` with
        // a space before and none after starts an argument.
        #expect(call.arguments.count == 5)
    }

    @Test func statementTextIsKept() throws {
        let statements = try parse("print 1 ;  add https://a.example/x\n$y = 2 # note")
        #expect(statements.map(\.text) == ["print 1", "add https://a.example/x", "$y = 2"])
    }
}
