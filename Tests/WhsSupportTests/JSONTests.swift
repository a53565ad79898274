import Testing
import WhsSupport

@Suite struct JSONTests {
    @Test(arguments: [
        ("null", JSON.null),
        ("true", .bool(true)),
        (" false ", .bool(false)),
        ("0", .int(0)),
        ("-12", .int(-12)),
        ("1.5", .double(1.5)),
        ("1e3", .double(1000)),
        ("\"a\\nb\\u00e9\\ud83d\\ude00\"", .string("a\nbé😀")),
        ("[1, [2], {}]", .array([.int(1), .array([.int(2)]), .object([])])),
        ("{\"b\": 1, \"a\": 2}", .object([("b", .int(1)), ("a", .int(2))])),
    ])
    func parses(_ text: String, _ expected: JSON) throws {
        #expect(try JSON.parse(text) == expected)
    }

    @Test(arguments: [0, 7, 9, 10, 99, 100, 168, -1, -9, -10, -123_456, 4_294_967_296, Int.max, Int.min])
    func integersAreWrittenAsTheirDecimalDigits(_ number: Int) {
        #expect(JSON.int(number).text == String(number))
        var out: [UInt8] = [UInt8(ascii: "[")]
        JSON.append(number, to: &out)
        #expect(out == Array("[\(number)".utf8))
    }

    @Test(arguments: [
        ("", "unexpected end of JSON"),
        ("{", "expected a string key in object"),
        ("[1,]", "unexpected character ']'"),
        ("01", "leading zero in number"),
        ("\"abc", "unterminated string"),
        ("{\"a\" 1}", "expected ':' after object key"),
        ("[1] x", "unexpected text after the JSON value"),
        ("\"\\x\"", "invalid escape in string"),
        ("\"\\ud800\"", "lone surrogate in \\u escape"),
        ("tru", "invalid literal"),
        ("\"a\u{01}\"", "control character in string"),
        ("1e999", "number out of range"),
    ])
    func rejects(_ text: String, _ message: String) {
        #expect(throws: JSONSyntaxError.self) { try JSON.parse(text) }
        do { _ = try JSON.parse(text) } catch { #expect(error.message == message) }
    }

    @Test func refusesDeepNesting() throws {
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect(throws: JSONSyntaxError.self) { try JSON.parse(deep) }
        let fine = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        _ = try JSON.parse(fine)
    }

    @Test func writesKeysInOrderAndEscapes() {
        let value = JSON.object([("url", .string("a\"b\\\n\u{01}")), ("event", .array([.int(1), .int(3)])), ("x", .double(2)), ("n", .null)])
        #expect(value.text == #"{"url":"a\"b\\\n\u0001","event":[1,3],"x":2.0,"n":null}"#)
        #expect(JSON.array([]).prettyText == "[]")
        #expect(JSON.object([("a", .array([.int(1)]))]).prettyText == "{\n  \"a\": [\n    1\n  ]\n}")
    }

    @Test func roundTrips() throws {
        let text = #"{"result":[{"url":"http://qxxx.com","event":[1,3],"api_user":"my_test","id":168}],"count":1,"total":2}"#
        #expect(try JSON.parse(text).text == text)
    }
}

@Suite struct SuggestionTests {
    @Test(arguments: [
        ("lst", "list"), ("evnts", "events"), ("opne", "open"), ("delte", "delete"), ("LIST", "list"),
    ])
    func suggestsClose(_ typo: String, _ expected: String) {
        #expect(Suggestion.closest(to: typo, in: ["list", "events", "open", "delete", "add"]) == expected)
    }

    @Test func staysQuietWhenNothingIsClose() {
        #expect(Suggestion.closest(to: "zzzzzz", in: ["list", "add"]) == nil)
        #expect(Suggestion.hint(for: "q", in: ["list"]) == "")
    }
}
