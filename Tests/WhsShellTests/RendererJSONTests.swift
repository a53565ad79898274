import Testing
import WhsLanguage
import WhsSupport
@testable import WhsShell

/// `--json` writes a value's JSON straight from the value (`Renderer.jsonText`); every byte must
/// be what the JSON tree `value.json()` would have printed.
@Suite struct RendererJSONTests {
    static let values: [Value] = [
        .null, .bool(true), .bool(false), .int(0), .int(7), .int(-42), .int(Int.max), .int(Int.min),
        .double(1.5), .double(4.0), .double(-0.001), .double(1e300), .double(.nan), .double(.infinity),
        .string(""), .string("plain"), .string("quote \" backslash \\ newline \n tab \t cr \r"),
        .string("control \u{01}\u{1F} bell \u{07} nul \u{00}"), .string("ünïcødé ✓ 🎉"), .secret("app-key-123"),
        .duration(Duration(seconds: 1.5, text: "1.5s")), .duration(Duration(seconds: 0.25)),
        .list([]), .object(Object()),
        .list([.int(1), .list([.list([])]), .object(Object([("a", .null)]))]),
        .object(Object([("message_id", .string("m-1")), ("count", .int(2)), ("deliveries", .list([
            .object(Object([("id", .int(1)), ("attempts", .list([.object(Object([("latency_ms", .double(4.0)), ("error", .null)]))])),
                            ("state", .string("succeeded"))])),
            .object(Object([("id", .int(2)), ("attempts", .list([])), ("key", .secret("s"))])),
        ]))])),
        .object(Object((0..<20).map { ("k\($0)", Value.int($0)) })),
    ]

    @Test(arguments: RendererJSONTests.values) func sameBytesAsTheJSONTree(_ value: Value) {
        #expect(Renderer.jsonText(value) == value.json().text)
    }

    @Test func jsonFormatPrintsThroughIt() {
        let value = Value.object(Object([("url", .string("h\"")), ("secret", .secret("k")), ("every", .duration(Duration(seconds: 60, text: "1m")))]))
        #expect(Renderer(format: .json, color: false).render(value) == #"{"url":"h\"","secret":"••••••","every":"1m"}"#)
    }
}
