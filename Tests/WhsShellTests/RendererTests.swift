import Testing
import WhsLanguage
@testable import WhsShell

@Suite struct RendererTests {
    let people = Renderer(format: .table, color: false)
    let programs = Renderer(format: .json, color: false)

    static let hook = Value.object(Object([("url", .string("https://e.example/h")), ("event", .list([.int(1), .int(11)])), ("api_user", .string("")), ("id", .int(5))]))

    @Test func webhookAsKeyValueLinesIdFirst() {
        #expect(people.render(RendererTests.hook) == "id:       5\nurl:      https://e.example/h\nevent:    deliver, open\napi_user: (all)")
    }

    @Test func webhookAsJSONInWireOrder() {
        #expect(programs.render(RendererTests.hook) == #"{"url":"https://e.example/h","event":[1,11],"api_user":"","id":5}"#)
    }

    @Test func pageAsTableWithFooter() {
        let page = Value.object(Object([("result", .list([RendererTests.hook])), ("count", .int(1)), ("total", .int(3))]))
        #expect(people.render(page) == """
            id  url                  event          api_user
            --  -------------------  -------------  --------
            5   https://e.example/h  deliver, open  (all)
            (1 of 3 webhooks)
            """)
    }

    @Test func listsOfObjectsUnionTheirKeys() {
        let rows = Value.list([.object(Object([("a", .int(1))])), .object(Object([("b", .string("x")), ("a", .int(22))]))])
        #expect(people.render(rows) == "a   b\n--  -\n1   \n22  x")
    }

    @Test(arguments: [
        (Value.string("plain"), "plain"), (.int(3), "3"), (.double(2), "2.0"), (.null, "null"), (.bool(true), "true"),
        (.list([.int(1), .string("a")]), "[1, \"a\"]"), (.secret("k"), "••••••"), (.object(Object()), "{}"),
    ])
    func scalarsForPeople(_ value: Value, _ text: String) {
        #expect(people.render(value) == text)
    }

    @Test func colorOnlyWhenAsked() {
        let colored = Renderer(format: .table, color: true)
        #expect(colored.render(.object(Object([("a", .int(1))]))) == "\u{1B}[1ma:\u{1B}[0m 1")
    }
}

@Suite struct SettingsTests {
    @Test func setsAndRefuses() throws {
        var settings = Settings()
        try settings.set("format", "json")
        #expect(settings.format == .json)
        try settings.set("timing", "on")
        #expect(settings.value(of: "timing") == "on")
        #expect(throws: CommandFailure.self) { try settings.set("format", "yaml") }
        do { try settings.set("format", "yaml") } catch { #expect("\(error)" == "format must be table or json, got 'yaml'") }
        do { try settings.set("colr", "on") } catch { #expect("\(error)" == "unknown setting 'colr'; did you mean \"color\"?") }
    }
}
