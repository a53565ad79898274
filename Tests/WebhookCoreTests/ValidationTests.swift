import Testing
import WebhookCore

@Suite struct URLValidationTests {
    @Test(arguments: [
        "https://example.com/hook",
        "http://example.com",
        "HTTPS://EXAMPLE.COM/x?a=1&b=2#frag",
        "http://127.0.0.1:8080/h",
        "http://[::1]:9000/h",
        "http://[2001:db8::7]/h",
        "http://[fe80:0:0:0:0:0:0:1]/",
        "http://[::ffff:192.0.2.1]/",
        "http://localhost",
        "https://xn--bcher-kva.example/ü",
    ])
    func accepts(_ url: String) throws {
        #expect(try Validation.url(url) == url)
    }

    @Test(arguments: [
        ("123456", "no http:// or https:// scheme"),
        ("ftp://example.com", "scheme must be http or https"),
        ("https://", "it has no host"),
        ("https:///path", "it has no host"),
        ("https://user:pw@example.com/", "a user:password part is not allowed"),
        ("http://[41.56.f]/", "invalid IPv6 address"),
        ("http://[1:2:3:4:5:6:7:8:9]/", "invalid IPv6 address"),
        ("http://[1::2::3]/", "invalid IPv6 address"),
        ("http://[::ffff:192.0.2.01]/", "invalid IPv6 address"),
        ("http://[12345::]/", "invalid IPv6 address"),
        ("https://exa mple.com/", "it contains white space or a control character"),
        ("https://example.com/\u{7}", "it contains white space or a control character"),
        ("https://example.com:0/", "invalid port \"0\""),
        ("https://example.com:99999/", "invalid port \"99999\""),
        ("https://example.com:/", "invalid port \"\""),
        ("https://exa$mple.com/", "invalid host \"exa$mple.com\""),
        ("https://[::1/", "unclosed IPv6 address"),
        ("https://../x", "invalid host \"..\""),
    ])
    func rejects(_ url: String, _ why: String) {
        #expect(throws: WebhookError.invalidParameter("url must be an absolute http(s) URL, got \(Validation.quoted(url)): \(why)")) {
            try Validation.url(url)
        }
    }

    @Test func rejectsOverlongURLs() {
        let long = "https://example.com/" + String(repeating: "a", count: 2048)
        #expect(throws: WebhookError.invalidParameter("url is longer than 2048 bytes")) { try Validation.url(long) }
        let fits = "https://example.com/" + String(repeating: "a", count: 2048 - 20)
        #expect(throws: Never.self) { try Validation.url(fits) }
    }
}

@Suite struct FieldValidationTests {
    @Test(arguments: [(nil, ""), ("", ""), ("alice", "alice"), ("a.b@c-d_e", "a.b@c-d_e"), (String(repeating: "x", count: 64), String(repeating: "x", count: 64))] as [(String?, String)])
    func acceptsAPIUsers(_ name: String?, _ stored: String) throws {
        #expect(try Validation.apiUser(name) == stored)
    }

    @Test(arguments: [
        ("bad name", "api_user may hold only letters, digits and _ . @ -, got \"bad name\""),
        ("é", "api_user may hold only letters, digits and _ . @ -, got \"é\""),
        (String(repeating: "x", count: 65), "api_user must be at most 64 characters, got 65"),
    ])
    func rejectsAPIUsers(_ name: String, _ message: String) {
        #expect(throws: WebhookError.invalidParameter(message)) { try Validation.apiUser(name) }
    }

    @Test(arguments: [
        ([EventInput.code(1)], [1]),
        ([.name("open"), .name("deliver")], [1, 11]),
        ([.name("OPEN"), .code(11), .name("11")], [11]),
        ([.code(32), .code(18), .code(12), .code(11), .code(10), .code(5), .code(4), .code(3), .code(1)], [1, 3, 4, 5, 10, 11, 12, 18, 32]),
    ])
    func acceptsEvents(_ inputs: [EventInput], _ codes: [Int]) throws {
        #expect(try Validation.events(inputs).codes == codes)
    }

    @Test(arguments: [
        ([EventInput](), "event must not be empty: name at least one event (\(EventType.catalogue))"),
        ([.code(2)], "unknown event code 2 (known: \(EventType.catalogue))"),
        ([.name("opne")], "unknown event \"opne\"; did you mean \"open\"?"),
        ([.name("zzzzzz")], "unknown event \"zzzzzz\" (known: \(EventType.catalogue))"),
    ])
    func rejectsEvents(_ inputs: [EventInput], _ message: String) {
        #expect(throws: WebhookError.invalidParameter(message)) { try Validation.events(inputs) }
    }

    @Test func nineEventsWithTheirCodes() {
        #expect(EventType.all.map(\.code) == [1, 3, 4, 5, 10, 11, 12, 18, 32])
        #expect(EventType.all.map(\.name) == ["deliver", "report_spam", "invalid", "soft_bounce", "click", "open", "unsubscribe", "request", "sent"])
        #expect(EventSet.all.codes.count == 9)
    }

    @Test(arguments: [(nil, nil, 0, 100), (5, 0, 5, 0), (0, 100, 0, 100)] as [(Int?, Int?, Int, Int)])
    func acceptsPaging(_ offset: Int?, _ limit: Int?, _ expectedOffset: Int, _ expectedLimit: Int) throws {
        let query = try WebhookQuery.validated(apiUser: nil, offset: offset, limit: limit)
        #expect(query.offset == expectedOffset && query.limit == expectedLimit)
    }

    @Test(arguments: [
        (-1, nil, "offset must be an integer >= 0, got -1"),
        (nil, 101, "limit must be an integer from 0 to 100, got 101"),
        (nil, -1, "limit must be an integer from 0 to 100, got -1"),
    ] as [(Int?, Int?, String)])
    func rejectsPaging(_ offset: Int?, _ limit: Int?, _ message: String) {
        #expect(throws: WebhookError.invalidParameter(message)) { try WebhookQuery.validated(apiUser: nil, offset: offset, limit: limit) }
    }

    @Test func draftRequiresURLAndDefaultsToAllEvents() throws {
        #expect(throws: WebhookError.invalidParameter("url is required")) { try WebhookDraft.validated(url: nil, apiUser: nil, events: nil) }
        let draft = try WebhookDraft.validated(url: "https://a.example", apiUser: nil, events: nil)
        #expect(draft.events == .all && draft.apiUser == "")
        #expect(try WebhookPatch.validated(url: nil, apiUser: nil, events: nil).isEmpty)
    }

    @Test func idsArePositive() {
        #expect(throws: WebhookError.invalidParameter("id must be a positive integer, got 0")) { try Validation.id(0) }
        #expect(try! Validation.id(7) == 7)
    }
}

@Suite struct WebhookErrorTests {
    /// The table of docs/API.md: code, HTTP status, message.
    @Test(arguments: [
        (WebhookError.authenticationFailed, 30000, 401, "Authentication failed"),
        (.invalidParameter("limit must be..."), 40001, 400, "limit must be..."),
        (.unknownField("unknown field \"events\"; did you mean \"event\"?"), 40002, 400, "unknown field \"events\"; did you mean \"event\"?"),
        (.invalidJSON("x"), 40003, 400, "request body must be a JSON object: x"),
        (.webhookNotFound(id: 9), 40401, 404, "no webhook with id 9"),
        (.deliveryNotFound(id: 9), 40402, 404, "no delivery with id 9"),
        (.routeNotFound("GET /x"), 40400, 404, "no such route: GET /x"),
        (.methodNotAllowed("PATCH is not allowed on /v1/webhooks"), 40500, 405, "PATCH is not allowed on /v1/webhooks"),
        (.duplicate(existingID: 4), 40901, 409, "a webhook with this url and api_user exists already (id 4)"),
        (.bodyTooLarge(limit: 65536), 41300, 413, "request body is larger than 65536 bytes"),
        (.storage("disk full"), 50001, 500, "store failed: disk full"),
        (.foreignAPIUser("alice"), 40301, 403, "api_user \"alice\" is not an API_USER of this account"),
        (.templateNotFound("welcome"), 40403, 404, "no template named \"welcome\""),
        (.mailNotFound("12"), 40404, 404, "no mail with id 12"),
        (.sendRejected(code: 30801, "From can not be empty"), 30801, 400, "From can not be empty"),
    ])
    func wireShape(_ error: WebhookError, _ code: Int, _ status: Int, _ message: String) {
        #expect(error.code == code)
        #expect(error.httpStatus == status)
        #expect(error.message == message)
        #expect(error.json.text == "{\"code\":\(code),\"message\":\(Validation.quoted(message))}")
    }

    @Test func rebuildsFromTheWire() {
        #expect(WebhookError(code: 30000, status: 401, message: "x") == .authenticationFailed)
        #expect(WebhookError(code: 40001, status: 400, message: "bad") == .invalidParameter("bad"))
        #expect(WebhookError(code: 77, status: 418, message: "teapot") == .server(code: 77, status: 418, message: "teapot"))
        #expect(WebhookError(code: 40901, status: 409, message: WebhookError.duplicate(existingID: 42).message) == .duplicate(existingID: 42))
        #expect(WebhookError(code: 40401, status: 404, message: WebhookError.webhookNotFound(id: 7).message) == .webhookNotFound(id: 7))
        #expect(WebhookError(code: 40402, status: 404, message: WebhookError.deliveryNotFound(id: 8).message) == .deliveryNotFound(id: 8))
        #expect(WebhookError(code: 40301, status: 403, message: WebhookError.foreignAPIUser("bob").message) == .foreignAPIUser("bob"))
        #expect(WebhookError(code: 30805, status: 400, message: "to[1] ...") == .sendRejected(code: 30805, "to[1] ..."))
    }

    @Test func webhookJSONIsInWireOrder() {
        let hook = Webhook(id: 168, url: "http://qxxx.com", events: try! Validation.events([.code(3), .code(1)]), apiUser: "my_test")
        #expect(hook.json.text == #"{"url":"http://qxxx.com","event":[1,3],"api_user":"my_test","id":168}"#)
        #expect(Page(webhooks: [hook], total: 2).json.text == #"{"result":[{"url":"http://qxxx.com","event":[1,3],"api_user":"my_test","id":168}],"count":1,"total":2}"#)
    }

    /// The server writes its list answer without the tree (`Page.jsonBytes`): the same bytes,
    /// escapes, every event, an empty page and large numbers included.
    @Test func pageBytesWrittenDirectlyAreTheTreesBytes() throws {
        let every = try Validation.events(EventType.all.map { .code($0.code) })
        let pages = [
            Page(webhooks: [], total: 0),
            Page(webhooks: [], total: 1_234_567),
            Page(webhooks: [Webhook(id: 1, url: "https://a.example/x", events: try Validation.events([.code(11)]), apiUser: "")], total: 1),
            Page(webhooks: [
                Webhook(id: 168, url: "http://qxxx.com/\"q\"\\/\u{7}é", events: every, apiUser: "my_test"),
                Webhook(id: Int.max, url: "https://b.example/?a=1&b=<2>", events: try Validation.events([.code(32), .code(1), .code(5)]), apiUser: "u.v@w-x"),
            ], total: 9_000_000_000),
        ]
        for page in pages {
            #expect(page.jsonBytes == page.json.bytes, "\(page.json.text)")
        }
    }
}
