import Testing
@testable import WebhookHTTP

/// Query strings as the server reads them: parts with nothing to decode are taken as they are,
/// the others percent-decoded, `+` a space in a query and itself in a path.
@Suite struct WireDecodingTests {
    @Test(arguments: [
        ("limit", true, "limit"),
        ("a%40b.example", true, "a@b.example"),
        ("a+b", true, "a b"),
        ("a+b", false, "a+b"),
        ("%2B1", true, "+1"),
        ("caf%C3%A9", true, "café"),
        ("", true, ""),
    ])
    func partsAreDecoded(_ raw: String, _ plusIsSpace: Bool, _ expected: String) {
        #expect(WireDecoding.percentDecoded(Substring(raw), plusIsSpace: plusIsSpace) == expected)
    }

    @Test(arguments: ["%ZZ", "%4", "%", "%C3%28"])
    func brokenEncodingsAreRefused(_ raw: String) {
        #expect(WireDecoding.percentDecoded(Substring(raw)) == nil)
    }

    @Test func aQueryReadsEachParameterOnce() throws {
        let query = try WireDecoding.query("api_user=a%40b&offset=5&limit=10")
        #expect(query.apiUser == "a@b" && query.offset == 5 && query.limit == 10)
        #expect(throws: (any Error).self) { try WireDecoding.query("limit=1&limit=2") }
    }
}
