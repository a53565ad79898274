import Testing
import WhsLanguage
@testable import WhsShell

/// `set format csv`: RFC 4180 fields and records, the rows of a page, events as names.
@Suite struct CSVRendererTests {
    let csv = Renderer(format: .csv, color: true, width: 80)

    @Test(arguments: [
        ("plain", "plain"), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""), ("two\nlines", "\"two\nlines\""),
        ("cr\r", "\"cr\r\""), ("", ""), ("héllo", "héllo"),
    ])
    func fieldsAreQuotedOnlyWhenTheyMustBe(_ text: String, _ field: String) {
        #expect(Renderer.csvField(text) == field)
    }

    @Test func aPageIsItsRowsUnderAHeaderWithCRLFAndNoColour() {
        let page = Value.object(Object([("result", .list([RendererTests.hook])), ("count", .int(1)), ("total", .int(3))]))
        #expect(csv.render(page) == "id,url,event,api_user\r\n5,https://e.example/h,\"deliver,open\",\r")
    }

    @Test func oneObjectIsOneRecordAndOtherValuesAValueColumn() {
        #expect(csv.render(.object(Object([("key", .secret("k1")), ("n", .null)]))) == "key,n\r\n••••••,\r")
        #expect(csv.render(.int(3)) == "value\r\n3\r")
        #expect(csv.render(.list([.int(1), .string("a,b")])) == "value\r\n1\r\n\"a,b\"\r")
        #expect(csv.render(.string("a message")) == "a message")
    }

    @Test func nestedValuesAreJSONAndWordListsJoinedByCommas() {
        let row = Value.object(Object([("tags", .list([.string("x"), .int(2)])), ("extra", .object(Object([("k", .bool(true))])))]))
        #expect(csv.render(.list([row])) == "tags,extra\r\n\"x,2\",\"{\"\"k\"\":true}\"\r")
    }

    @Test func onlyAnObjectWithOneListOfRowsIsAPage() {
        let two = Object([("a", .list([.object(Object())])), ("b", .list([.object(Object())]))])
        #expect(Renderer.rowList(of: two) == nil)
        #expect(Renderer.rowList(of: Object([("count", .int(0)), ("deliveries", .list([]))])) == [])
    }
}
