import WebhookCore

/// One store's worth of accounts: each call gives the service of one account of the same
/// fresh store. Every backend's tests provide one and run `ConformanceCase.all` over it.
public typealias AccountFactory = (_ account: String, _ apiUsers: APIUserPolicy) throws -> WebhookService

/// A failed expectation inside a conformance case: the test reports its text.
public struct ConformanceFailure: Error, CustomStringConvertible {
    public let description: String
}

extension ConformanceFailure {
    public init(_ description: String) { self.init(description: description) }
}

/// The rules of API.md that every backend must follow, as cases that run against any
/// `WebhookService`: the same list for the memory store, the SQLite store and the HTTP client.
public struct ConformanceCase: Sendable, CustomStringConvertible {
    public let description: String
    let body: @Sendable (AccountFactory) throws -> Void

    public func run(_ accounts: AccountFactory) throws { try body(accounts) }

    init(_ description: String, _ body: @escaping @Sendable (AccountFactory) throws -> Void) {
        self.description = description
        self.body = body
    }

    public static let all: [ConformanceCase] = [
        .init("add returns the webhook with a fresh id and the defaults") { make in
            let s = try make("a", .anyWellFormed)
            let hook = try s.add(draft("https://example.com/h"))
            try expect(hook.id > 0, "id \(hook.id) should be positive")
            try expectEqual(hook.url, "https://example.com/h")
            try expectEqual(hook.events.codes, [1, 3, 4, 5, 10, 11, 12, 18, 32])
            try expectEqual(hook.apiUser, "")
            try expectEqual(try s.get(id: hook.id), hook)
        },
        .init("events come back deduplicated and ascending") { make in
            let s = try make("a", .anyWellFormed)
            let hook = try s.add(draft("https://example.com/h", events: [.code(11), .name("deliver"), .code(11), .name("3")]))
            try expectEqual(hook.events.codes, [1, 3, 11])
            try expectEqual(try s.get(id: hook.id).events.codes, [1, 3, 11])
        },
        .init("ids increase and are never reused, even after deleting the newest") { make in
            let s = try make("a", .anyWellFormed)
            let first = try s.add(draft("https://example.com/1"))
            let second = try s.add(draft("https://example.com/2"))
            try expect(second.id > first.id, "ids should increase")
            try expectEqual(try s.delete(id: second.id), 1)
            let third = try s.add(draft("https://example.com/3"))
            try expect(third.id > second.id, "id \(third.id) reuses a deleted one (\(second.id))")
        },
        .init("list pages in ascending id order with count and total") { make in
            let s = try make("a", .anyWellFormed)
            let ids = try (1...5).map { try s.add(draft("https://example.com/\($0)")).id }
            let all = try s.list(WebhookQuery())
            try expectEqual(all.webhooks.map(\.id), ids)
            try expectEqual(all.total, 5)
            let page = try s.list(WebhookQuery(offset: 1, limit: 2))
            try expectEqual(page.webhooks.map(\.id), Array(ids[1...2]))
            try expectEqual(page.count, 2)
            try expectEqual(page.total, 5)
            let past = try s.list(WebhookQuery(offset: 9, limit: 2))
            try expectEqual(past.count, 0)
            try expectEqual(past.total, 5)
            let none = try s.list(WebhookQuery(limit: 0))
            try expectEqual(none.count, 0)
            try expectEqual(none.total, 5)
        },
        .init("list filters by api_user, exactly") { make in
            let s = try make("a", .anyWellFormed)
            _ = try s.add(draft("https://example.com/1", apiUser: "alice"))
            let bob = try s.add(draft("https://example.com/2", apiUser: "bob"))
            _ = try s.add(draft("https://example.com/3"))
            let page = try s.list(WebhookQuery(apiUser: "bob"))
            try expectEqual(page.webhooks, [bob])
            try expectEqual(page.total, 1)
            try expectEqual(try s.list(WebhookQuery(apiUser: "bo")).total, 0)
        },
        .init("a second add of the same url and api_user is a duplicate naming the first") { make in
            let s = try make("a", .anyWellFormed)
            let first = try s.add(draft("https://example.com/h", apiUser: "alice"))
            try expectError(.duplicate(existingID: first.id)) { _ = try s.add(draft("https://example.com/h", apiUser: "alice")) }
            _ = try s.add(draft("https://example.com/h", apiUser: "bob"))
            try expectEqual(try s.list(WebhookQuery()).total, 2)
        },
        .init("modify changes only the fields given") { make in
            let s = try make("a", .anyWellFormed)
            let hook = try s.add(draft("https://example.com/h", apiUser: "alice", events: [.name("open")]))
            try expectEqual(try s.modify(id: hook.id, patch(url: "https://example.com/new")), 1)
            var expected = Webhook(id: hook.id, url: "https://example.com/new", events: hook.events, apiUser: "alice")
            try expectEqual(try s.get(id: hook.id), expected)
            try expectEqual(try s.modify(id: hook.id, patch(events: [.code(1), .code(10)])), 1)
            expected.events = try Validation.events([.code(1), .code(10)])
            try expectEqual(try s.get(id: hook.id), expected)
            try expectEqual(try s.modify(id: hook.id, patch(apiUser: "")), 1)
            expected.apiUser = ""
            try expectEqual(try s.get(id: hook.id), expected)
        },
        .init("modify with nothing to change answers 1 for an existing id, 0 for a missing one") { make in
            let s = try make("a", .anyWellFormed)
            let hook = try s.add(draft("https://example.com/h"))
            try expectEqual(try s.modify(id: hook.id, .none), 1)
            try expectEqual(try s.get(id: hook.id), hook)
            try expectEqual(try s.modify(id: hook.id + 1000, .none), 0)
            try expectEqual(try s.modify(id: hook.id + 1000, patch(url: "https://example.com/x")), 0)
        },
        .init("modify into a duplicate fails and changes nothing") { make in
            let s = try make("a", .anyWellFormed)
            let one = try s.add(draft("https://example.com/1"))
            let two = try s.add(draft("https://example.com/2"))
            try expectError(.duplicate(existingID: one.id)) { _ = try s.modify(id: two.id, patch(url: "https://example.com/1")) }
            try expectEqual(try s.get(id: two.id), two)
        },
        .init("delete answers 1 then 0, and the webhook is gone") { make in
            let s = try make("a", .anyWellFormed)
            let hook = try s.add(draft("https://example.com/h"))
            try expectEqual(try s.delete(id: hook.id), 1)
            try expectEqual(try s.delete(id: hook.id), 0)
            try expectError(.webhookNotFound(id: hook.id)) { _ = try s.get(id: hook.id) }
            try expectEqual(try s.list(WebhookQuery()).total, 0)
        },
        .init("accounts never see, change or delete each other's webhooks") { make in
            let a = try make("a", .anyWellFormed)
            let b = try make("b", .anyWellFormed)
            let mine = try a.add(draft("https://example.com/h"))
            // The same url in another account is not a duplicate.
            let theirs = try b.add(draft("https://example.com/h"))
            try expectEqual(try b.list(WebhookQuery()).webhooks, [theirs])
            try expectEqual(try b.modify(id: mine.id, patch(url: "https://evil.example/")), 0)
            try expectEqual(try b.modify(id: mine.id, .none), 0)
            try expectEqual(try b.delete(id: mine.id), 0)
            try expectError(.webhookNotFound(id: mine.id)) { _ = try b.get(id: mine.id) }
            try expectEqual(try a.get(id: mine.id), mine)
            try expectEqual(try a.list(WebhookQuery()).webhooks, [mine])
        },
        .init("an account with named API_USERs refuses others on add and modify") { make in
            let s = try make("a", .members(["alice", "bob"]))
            let hook = try s.add(draft("https://example.com/h", apiUser: "alice"))
            _ = try s.add(draft("https://example.com/all"))
            try expectError(.foreignAPIUser("mallory")) {
                _ = try s.add(draft("https://example.com/m", apiUser: "mallory"))
            }
            try expectError(.foreignAPIUser("mallory")) {
                _ = try s.modify(id: hook.id, patch(apiUser: "mallory"))
            }
            try expectEqual(try s.get(id: hook.id).apiUser, "alice")
        },
    ]
}

func draft(_ url: String, apiUser: String? = nil, events: [EventInput]? = nil) throws -> WebhookDraft {
    try WebhookDraft.validated(url: url, apiUser: apiUser, events: events)
}

func patch(url: String? = nil, apiUser: String? = nil, events: [EventInput]? = nil) throws -> WebhookPatch {
    try WebhookPatch.validated(url: url, apiUser: apiUser, events: events)
}

func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw ConformanceFailure(description: message()) }
}

func expectEqual<T: Equatable>(_ actual: T, _ expected: T, line: Int = #line) throws {
    if actual != expected { throw ConformanceFailure(description: "line \(line): got \(actual), expected \(expected)") }
}

func expectError(_ expected: WebhookError, line: Int = #line, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as WebhookError {
        if error != expected { throw ConformanceFailure(description: "line \(line): error \(error), expected \(expected)") }
        return
    }
    throw ConformanceFailure(description: "line \(line): no error, expected \(expected)")
}
