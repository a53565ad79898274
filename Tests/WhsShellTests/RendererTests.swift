import Testing
import WebhookCore
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
        do { try settings.set("format", "yaml") } catch { #expect("\(error)" == "format must be table or json or csv, got 'yaml'") }
        do { try settings.set("colr", "on") } catch { #expect("\(error)" == "unknown setting 'colr'; did you mean \"color\"?") }
    }
}

/// Tables at a terminal fit its width: long cells are cut with …, and a table that cannot fit
/// even then becomes records, as psql's expanded display does.
@Suite struct TableFitTests {
    static let hooks: Value = .list((1...3).map { n in
        .object(Object([("url", .string("https://hooks.example.com/a/very/long/path/for/webhook/number/\(n)/with/more/segments/than/fit/in/a/line?token=abcdefghijklmnop")),
                        ("event", .list(EventType.all.map { .int($0.code) })), ("api_user", .string("team-\(n)")), ("id", .int(n))]))
    })

    func visibleLines(_ text: String) -> [Int] { text.split(separator: "\n").map { Renderer.visibleCount(String($0)) } }

    @Test(arguments: [80, 120])
    func aTableNeverPassesTheWidth(_ width: Int) {
        let text = Renderer(format: .table, color: true, width: width).render(TableFitTests.hooks)
        #expect(visibleLines(text).allSatisfy { $0 <= width }, "\(text)")
        #expect(text.contains("…"), "the url is cut")
        #expect(text.contains("(all)"), "nine events read as (all) at a terminal")
        #expect(text.contains("team-3"))
    }

    @Test func notAtATerminalTheTableIsWhole() {
        let text = Renderer(format: .table, color: false).render(TableFitTests.hooks)
        #expect(text.contains("token=abcdefghijklmnop") && !text.contains("…") && !text.contains("(all)"))
        #expect(text.contains("deliver, report_spam, invalid"))
    }

    @Test func tooNarrowForColumnsIsRecords() {
        // id, url, event and api_user need at least 2 + 8 + 5 + 8 columns and 6 between them.
        #expect(!Renderer(format: .table, color: false, width: 29).render(TableFitTests.hooks).contains("RECORD"))
        let text = Renderer(format: .table, color: false, width: 28).render(TableFitTests.hooks)
        #expect(text.hasPrefix("-[ RECORD 1 ]"), "\(text)")
        #expect(text.contains("-[ RECORD 3 ]"))
        #expect(visibleLines(text).allSatisfy { $0 <= 28 }, "\(text)")
        #expect(text.contains("api_user | team-2"))
    }

    @Test func expandedOnAndOff() {
        #expect(Renderer(format: .table, color: false, width: 200, expanded: .on).render(TableFitTests.hooks).hasPrefix("-[ RECORD 1 ]"))
        let off = Renderer(format: .table, color: false, width: 28, expanded: .off).render(TableFitTests.hooks)
        #expect(!off.contains("RECORD") && off.contains("…"))
    }

    @Test func jsonIsNeverCut() {
        let text = Renderer(format: .json, color: false, width: 40).render(TableFitTests.hooks)
        #expect(text.contains("token=abcdefghijklmnop") && text.contains("[1,3,4,5,10,11,12,18,32]"))
    }
}
