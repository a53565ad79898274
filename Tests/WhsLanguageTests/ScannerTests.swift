import Testing
@testable import WhsLanguage

/// The scanner, token by token. Words scan differently where a value is expected.
@Suite struct ScannerTests {
    func tokens(_ text: String, mode: Scanner.Mode = .value) throws -> [Token.Kind] {
        let scanner = Scanner(bytes: Array(text.utf8))
        var offset = 0
        var kinds: [Token.Kind] = []
        while true {
            let token = try scanner.scan(at: offset, mode: mode)
            if token.kind == .end { return kinds }
            kinds.append(token.kind)
            offset = token.end
        }
    }

    @Test(arguments: [
        ("add https://example.com/h?a=1", [Token.Kind.name("add"), .bareword("https://example.com/h?a=1")]),
        ("api_user=alice", [.name("api_user"), .assign, .name("alice")]),
        ("events=deliver,open", [.name("events"), .assign, .name("deliver"), .comma, .name("open")]),
        ("url=https://x.example/#top # note", [.name("url"), .assign, .bareword("https://x.example/#top")]),
        ("#!/usr/bin/env whs\nlist", [.newline, .name("list")]),
        ("$hook.id", [.variable("hook"), .bareword(".id")]),
        ("42 -7 1.5", [.integer(42), .minus, .integer(7), .decimal(1.5)]),
        ("10.0.0.1 3abc", [.bareword("10.0.0.1"), .bareword("3abc")]),
        ("len($x)", [.name("len"), .openParen, .variable("x"), .closeParen]),
        ("{id: 1}", [.openBrace, .name("id"), .colon, .integer(1), .closeBrace]),
        ("if true and not null", [.keyword(.if), .keyword(.true), .keyword(.and), .keyword(.not), .keyword(.null)]),
        ("/tmp/a.whs example.com", [.bareword("/tmp/a.whs"), .bareword("example.com")]),
        ("a \\\n b", [.name("a"), .name("b")]),
        ("x;y", [.name("x"), .semicolon, .name("y")]),
        ("'raw $x \\' \\n'", [.string([.text("raw $x ' \\n")])]),
        ("\"tab\\tq\\\"\\$x\\u{1F600}\"", [.string([.text("tab\tq\"$x😀")])]),
        ("é✓日本", [.bareword("é✓日本")]),
    ])
    func valueMode(_ text: String, _ expected: [Token.Kind]) throws {
        #expect(try tokens(text) == expected)
    }

    @Test(arguments: [
        ("== != <= >= < > = + - * / % .", [Token.Kind.equal, .notEqual, .lessEqual, .greaterEqual, .less, .greater, .assign, .plus, .minus, .star, .slash, .percent, .dot]),
        ("and or in", [.keyword(.and), .keyword(.or), .keyword(.in)]),
        ("[ ] ( ) { } , :", [.openBracket, .closeBracket, .openParen, .closeParen, .openBrace, .closeBrace, .comma, .colon]),
    ])
    func operatorMode(_ text: String, _ expected: [Token.Kind]) throws {
        #expect(try tokens(text, mode: .operator) == expected)
    }

    @Test func interpolationPointsIntoTheSource() throws {
        let text = "\"id ${hook.id} of $name!\""
        guard case .string(let pieces) = try tokens(text)[0] else { Issue.record("not a string"); return }
        #expect(pieces == [.text("id "), .code(6..<13, variableName: false), .text(" of "), .code(19..<23, variableName: true), .text("!")])
    }

    @Test func keywordLookupAgreesWithTheSpelling() {
        for keyword in Keyword.allCases { #expect(Keyword.lookup(keyword.rawValue) == keyword) }
        for word in ["i", "iff", "elses", "fo", "fals", "whilst", "brake", "continues", "asserts", "an", "ore", "nut", "nul", "tru", "add", "list", "api_user", "e1if"] {
            #expect(Keyword.lookup(word) == nil, "\(word)")
        }
    }

    @Test func marksSpaceBefore() throws {
        let scanner = Scanner(bytes: Array("$a [0]".utf8))
        let first = try scanner.scan(at: 0, mode: .value)
        let second = try scanner.scan(at: first.end, mode: .operator)
        #expect(!first.spaceBefore && second.spaceBefore && second.kind == .openBracket)
    }

    @Test(arguments: [
        ("\"abc", true), ("'abc", true), ("a \\", true), ("\"${x\"", true),
        ("$", false), ("\"\\q\"", false), ("\"\\u{ZZ}\"", false),
    ])
    func failures(_ text: String, _ incomplete: Bool) {
        do {
            _ = try tokens(text)
            Issue.record("expected a failure for \(text)")
        } catch {
            if case Scanner.Failure.incomplete? = error as? Scanner.Failure { #expect(incomplete) } else { #expect(!incomplete) }
        }
    }
}
