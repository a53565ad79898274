import Testing
@testable import WhsLanguage

/// Malformed input gives a diagnostic, never a crash: random programs made of the language's
/// own pieces (a fixed seed, so a failure can be replayed) are parsed, and those that parse
/// are run with a bounded number of loop turns.
@Suite struct RandomInputTests {
    static let pieces = [
        "print", "add", "list", "$x", "$y", "=", "==", "(", ")", "[", "]", "{", "}", ",", ";", "\n", ":", ".", "+", "-", "*",
        "/", "%", "<", "not", "and", "or", "in", "if", "elif", "else", "for", "while", "break", "continue", "assert",
        "1", "0", "-7", "1.5", "\"s${", "\"t\"", "'r'", "${x}", "\"$x\"", "https://e.example/h", "events=", "open,deliver",
        "len(", "range(", "str(", "#", "\\", "true", "null", "{a: 1}", "é", "\t", " ",
    ]

    struct Generator {
        var state: UInt64
        mutating func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: state >> 33)
        }
    }

    @Test func randomProgramsNeverCrash() {
        var generator = Generator(state: 0x5EED)
        var parsed = 0
        for _ in 0..<20_000 {
            let length = 1 + generator.next() % 12
            let text = (0..<length).map { _ in RandomInputTests.pieces[generator.next() % RandomInputTests.pieces.count] }.joined(separator: generator.next() % 3 == 0 ? "" : " ")
            let interpreter = ParserTests.interpreter()
            var turns = 0
            interpreter.isInterrupted = { turns += 1; return turns > 1000 }
            do {
                let statements = try interpreter.parse(SourceFile(name: "r.whs", text: text))
                parsed += 1
                for statement in statements { try? interpreter.run(statement) }
            } catch {
                #expect(!error.diagnostic.message.isEmpty)
                #expect(error.diagnostic.line >= 1 && error.diagnostic.column >= 1)
            }
        }
        // The generator must reach the interpreter too, not only the parser's error paths.
        #expect(parsed > 1000)
    }
}
