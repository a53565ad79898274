import Glibc
import Testing
@testable import WhsLanguage

/// Evaluation: operators, functions, statements and runtime errors, through the public API.
@Suite struct InterpreterTests {
    /// Runs `text` and returns the shown values' literals, or the error's headline.
    func run(_ text: String) -> (shown: [String], error: String?) {
        let interpreter = ParserTests.interpreter()
        var shown: [String] = []
        interpreter.show = { shown.append($0.literal) }
        do {
            for statement in try interpreter.parse(SourceFile(name: "t.whs", text: text)) { try interpreter.run(statement) }
            return (shown, nil)
        } catch let error as ParseFailure {
            return (shown, error.diagnostic.headline)
        } catch let error as RuntimeError {
            return (shown, error.diagnostic?.headline ?? "\(error)")
        } catch {
            return (shown, "\(error)")
        }
    }

    @Test(arguments: [
        ("1 + 2 * 3", "7"), ("(1 + 2) * 3", "9"), ("7 / 2", "3.5"), ("6 / 2", "3"), ("7 % 3", "1"), ("-7 % 3", "-1"),
        ("1.5 + 1", "2.5"), ("2 * 0.5", "1.0"), ("-(3)", "-3"), ("- -3", "3"),
        ("\"a\" + \"b\"", "\"ab\""), ("[1] + [2, 3]", "[1, 2, 3]"),
        ("1 == 1.0", "true"), ("1 == \"1\"", "false"), ("[1, {a: 2}] == [1, {a: 2}]", "true"), ("null == null", "true"),
        ("1 != 2", "true"), ("\"a\" < \"b\"", "true"), ("2 >= 2", "true"), ("1.5 < 2", "true"),
        ("2 in [1, 2]", "true"), ("\"id\" in {id: 1}", "true"), ("\"ell\" in \"hello\"", "true"), ("3 in []", "false"),
        ("true and 5", "5"), ("0 and 5", "0"), ("null or \"x\"", "\"x\""), ("not []", "true"), ("not 1", "false"),
        ("[1, 2, 3][-1]", "3"), ("{a: {b: [7]}}.a.b[0]", "7"), ("\"héllo\"[1]", "\"é\""), ("{\"x y\": 1}[\"x y\"]", "1"),
        ("len([1, 2])", "2"), ("len(\"日本\")", "2"), ("len({a: 1})", "1"),
        ("keys({b: 1, a: 2})", "[\"b\", \"a\"]"),
        ("str(12)", "\"12\""), ("str([1, \"a\"])", "\"[1, \\\"a\\\"]\""), ("str(\"s\")", "\"s\""),
        ("int(\"42\")", "42"), ("int(3.9)", "3"), ("int(\" 7 \")", "7"), ("int(true)", "1"),
        ("json({a: [1, null]})", "\"{\\\"a\\\":[1,null]}\""), ("parse_json(\"{\\\"b\\\": [1.5, true]}\")", "{b: [1.5, true]}"),
        ("range(3)", "[0, 1, 2]"), ("range(2, 4)", "[2, 3]"), ("range(0)", "[]"),
        ("type(1)", "\"int\""), ("type(1.0)", "\"decimal\""), ("type(\"\")", "\"string\""), ("type(null)", "\"null\""),
        ("type([])", "\"list\""), ("type({})", "\"object\""), ("type(true)", "\"bool\""), ("type(secret(\"k\"))", "\"secret\""),
        ("secret(\"k\")", "••••••"), ("reveal(secret(\"k\"))", "\"k\""), ("secret(\"a\") + \"b\"", "••••••"),
        ("\"${1 + 1} and ${[1]}\"", "\"2 and [1]\""), ("env(\"WHS_TEST_UNSET_VARIABLE\", \"dflt\")", "\"dflt\""),
        ("type(now())", "\"int\""),
    ])
    func expressions(_ expression: String, _ literal: String) {
        let result = run(expression)
        #expect(result.error == nil)
        #expect(result.shown == [literal])
    }

    @Test(arguments: [
        ("print 1\n$x.a", "t.whs:2:1: error: $x is not set"),
        ("$x = 1; $x.a", "t.whs:1:11: error: cannot read .a of int 1"),
        ("$x = {id: 1}; $x.url", "t.whs:1:17: error: no field 'url' in object (it has id)"),
        ("[1][5]", "t.whs:1:4: error: index 5 is out of range for a list of 1"),
        ("1 / 0", "t.whs:1:3: error: division by zero"),
        ("1 % 0", "t.whs:1:3: error: division by zero"),
        ("\"a\" + 1", "t.whs:1:5: error: cannot add string and int (use str() or \"${...}\" to join text and other values)"),
        ("[1] < [2]", "t.whs:1:5: error: cannot compare list and list with <"),
        ("9223372036854775807 + 1", "t.whs:1:21: error: integer overflow in +"),
        ("-[1]", "t.whs:1:1: error: cannot negate list"),
        ("len(1)", "t.whs:1:1: error: len(): cannot take the length of int"),
        ("int(\"x\")", "t.whs:1:1: error: int(): \"x\" is not a number"),
        ("parse_json(\"{\")", "t.whs:1:1: error: parse_json(): invalid JSON: expected a string key in object at byte 1"),
        ("env(\"WHS_TEST_UNSET_VARIABLE\")", "t.whs:1:1: error: env(): environment variable WHS_TEST_UNSET_VARIABLE is not set"),
        ("for $i in 3 { }", "t.whs:1:1: error: for needs a list or an object to loop over, got int"),
        ("assert 1 == 2", "t.whs:1:1: error: assertion failed: 1 == 2"),
        ("assert false, \"because ${1}\"", "t.whs:1:1: error: assertion failed: false: because 1"),
        ("1 in 2", "t.whs:1:3: error: 'in' needs a list, an object or a string on the right, got int"),
        ("range(1.5)", "t.whs:1:1: error: range(): needs integers, got decimal"),
    ])
    func runtimeErrors(_ text: String, _ message: String) {
        #expect(run(text).error == message)
    }

    @Test func statements() {
        #expect(run("$s = 0; for $i in range(5) { if $i == 3 { continue }; $s = $s + $i }; $s").shown == ["7"])
        #expect(run("$n = 0; while true { $n = $n + 1; if $n >= 4 { break } }; $n").shown == ["4"])
        #expect(run("for $k in {a: 1, b: 2} { $k }").shown == ["\"a\"", "\"b\""])
        #expect(run("if 0 { 1 } elif \"\" { 2 } elif [0] { 3 } else { 4 }").shown == ["3"])
        #expect(run("if null { 1 } else { 4 }").shown == ["4"])
        #expect(run("for $i in [1, 2] { for $j in [1, 2] { if $j == 2 { break }; $i * 10 + $j } }").shown == ["11", "21"])
    }

    /// `$x = $a + $b` (and `-`, `*`, with an integer on the right) inside a block runs on the
    /// integers in place (`IntAssignment`); everything else, and every failure, the general
    /// way, with the same values and messages as outside a block.
    @Test func integerAssignmentsInBlocksAsEverywhere() {
        #expect(run("$s = 0; for $i in range(4) { $s = $s + $i; $d = $s - 10; $m = $d * $i; $k = 7 - $i }; [$s, $d, $m, $k]").shown == ["[6, -4, -12, 4]"])
        #expect(run("$x = \"a\"; for $i in range(2) { $x = $x + \"b\" }; $x").shown == ["\"abb\""])
        #expect(run("$f = 0.5; for $i in range(3) { $f = $f + $i }; $f").shown == ["3.5"])
        #expect(run("$t = 2; if true { $u = $t * 1.5; $w = $t - 3 }; [$u, $w]").shown == ["[3.0, -1]"])
        #expect(run("def twice($a) { $r = $a * 2; return $r }; twice(21)").shown == ["42"])
        let overflow = run("$b = 9223372036854775806; for $i in range(3) { $b = $b + 1 }")
        #expect(overflow.error == "t.whs:1:56: error: integer overflow in +")
        #expect(run("$b = 9223372036854775806; for $i in range(3) { if $b == 9223372036854775807 { break }; $b = $b + 1 }; $b").shown == ["9223372036854775807"])
        #expect(run("$c = -9223372036854775807; for $i in range(2) { $c = $c * 2 }").error == "t.whs:1:57: error: integer overflow in *")
        #expect(run("for $i in range(1) { $z = $nope + 1 }").error == "t.whs:1:27: error: $nope is not set")
        #expect(run("$n = 1; for $i in range(1) { $z = $n + $nope }").error == "t.whs:1:40: error: $nope is not set")
        #expect(run("$s = \"a\"; for $i in range(1) { $z = $s - 1 }").error?.contains("cannot") == true)
    }

    @Test func lastValueAndErrorVariables() {
        let interpreter = ParserTests.interpreter()
        for statement in try! interpreter.parse(SourceFile(name: nil, text: "1 + 1")) { try! interpreter.run(statement) }
        #expect(interpreter.value(of: "_") == .int(2))
        #expect(interpreter.value(of: "error") == .null)
        let failing = try! interpreter.parse(SourceFile(name: nil, text: "$y = 1 / 0"))
        #expect(throws: RuntimeError.self) { try interpreter.run(failing[0]) }
        #expect(interpreter.value(of: "error") == .string("division by zero"))
        // A failed statement assigns nothing.
        #expect(interpreter.value(of: "y") == nil)
    }

    @Test func secretsAreTracked() {
        let interpreter = ParserTests.interpreter()
        for statement in try! interpreter.parse(SourceFile(name: nil, text: "$k = secret(\"x\")")) { try! interpreter.run(statement) }
        #expect(interpreter.touchedSecret)
        interpreter.touchedSecret = false
        for statement in try! interpreter.parse(SourceFile(name: nil, text: "$m = \"a${k}\"")) { try! interpreter.run(statement) }
        #expect(interpreter.touchedSecret)
        #expect(interpreter.value(of: "m") == .secret("ax"))
        #expect(interpreter.value(of: "m")!.literal == "••••••")
        #expect(interpreter.value(of: "m")!.json().text == "\"••••••\"")
    }

    @Test func envGivesSecrets() {
        setenv("WHS_TEST_KEY", "hunter2", 1)
        #expect(run("env(\"WHS_TEST_KEY\")").shown == ["••••••"])
        #expect(run("reveal(env(\"WHS_TEST_KEY\"))").shown == ["\"hunter2\""])
    }

    @Test func interruptStopsLoops() {
        let interpreter = ParserTests.interpreter()
        var polls = 0
        interpreter.isInterrupted = { polls += 1; return polls > 100 }
        let statements = try! interpreter.parse(SourceFile(name: nil, text: "while true { }"))
        do {
            try interpreter.run(statements[0])
            Issue.record("loop ended by itself")
        } catch {
            guard case .interrupted = error else { Issue.record("\(error)"); return }
        }
    }
}
