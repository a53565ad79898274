import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization
import WebhookCore

/// Webhook pages read together: the list requests that arrive on an event loop while its page
/// statement is out are sent as one statement when it is answered (`WebhookPagesStatement`), so
/// a busy node writes one statement, wakes one backend and reads one answer for many requests,
/// where each request cost a round trip of its own (docs/PERFORMANCE.md, issue 21, "List
/// requests read together"). Nothing is kept between statements: every request is answered by a
/// statement written after it arrived, so it sees every write committed before it, on any node.
/// A quiet node sends each request alone, at once: no request waits for company.
final class PageBatches: Sendable {
    struct Request: Sendable, Hashable {
        let account: String
        let query: WebhookQuery
    }

    /// What a waiting request is woken with: its page, or the turn to send the next statement.
    enum Outcome: Sendable {
        case page(Result<Page, WebhookError>)
        case lead
    }

    struct Waiter: Sendable {
        let request: Request
        let continuation: UnsafeContinuation<Outcome, Never>
    }

    /// One event loop's page statement: whether it is out, and the requests waiting for the next.
    final class Line: Sendable {
        struct State {
            var running = 0
            var queue: [Waiter] = []
        }
        let state = Mutex(State())
    }

    /// Page statements out at once per event loop: one; the requests that come while it is out
    /// make the next one, and its answer is read and its requests resumed on their own loop.
    /// Measured in alternating runs (docs/PERFORMANCE.md): two or four per loop spread the
    /// requests thinner (0.45 and 0.24 of an SQLite node against 0.60); one per node, shared by
    /// the loops, read distinct pages at 5,600 to 6,200 req/s against 7,200 to 8,500.
    static let running = 1
    /// Requests per statement at most: 32 pages of up to 100 webhooks.
    static let largest = 32
    /// Statements written so far (tests count them to see requests read together).
    let statements = Atomic<Int>(0)
    /// A line per event loop of the group the server runs requests on; calls from elsewhere
    /// (the shell, tests) share one.
    let lines: [ObjectIdentifier: Line]
    let elsewhere = Line()

    init() {
        var lines: [ObjectIdentifier: Line] = [:]
        for loop in MultiThreadedEventLoopGroup.singleton.makeIterator() { lines[ObjectIdentifier(loop)] = Line() }
        self.lines = lines
    }

    /// `request`'s page, read in the next page statement of the caller's event loop; `run`
    /// reads a batch of pages, in the order of its requests.
    func page(_ request: Request, run: ([Request]) async throws(WebhookError) -> [Page]) async throws(WebhookError) -> Page {
        let line = MultiThreadedEventLoopGroup.currentEventLoop.flatMap { lines[ObjectIdentifier($0)] } ?? elsewhere
        let limit = PageBatches.running
        let leads = line.state.withLock { state -> Bool in
            guard state.running < limit else { return false }
            state.running += 1
            return true
        }
        if !leads {
            let outcome = await withUnsafeContinuation { (continuation: UnsafeContinuation<Outcome, Never>) in
                let now = line.state.withLock { state -> Bool in
                    if state.running < limit {
                        state.running += 1
                        return true
                    }
                    state.queue.append(Waiter(request: request, continuation: continuation))
                    return false
                }
                if now { continuation.resume(returning: .lead) }
            }
            if case .page(let page) = outcome { return try page.get() }
        }
        // This request sends the next statement: itself and the requests waiting, in order.
        let others = line.state.withLock { state -> [Waiter] in
            let taken = min(state.queue.count, PageBatches.largest - 1)
            defer { state.queue.removeFirst(taken) }
            return Array(state.queue.prefix(taken))
        }
        let pages: Result<[Page], WebhookError>
        statements.add(1, ordering: .relaxed)
        do throws(WebhookError) {
            pages = .success(try await run([request] + others.map(\.request)))
        } catch {
            pages = .failure(error)
        }
        // The next statement goes first (its requests have waited longest), then the answers.
        let next = line.state.withLock { state -> Waiter? in
            guard !state.queue.isEmpty else {
                state.running -= 1
                return nil
            }
            return state.queue.removeFirst()
        }
        next?.continuation.resume(returning: .lead)
        for (index, waiter) in others.enumerated() {
            waiter.continuation.resume(returning: .page(pages.map { $0[index + 1] }))
        }
        return try pages.get()[0]
    }
}

/// Pages of several list requests in one statement, each with its total, the rows tagged with
/// the request's place (from 1): its total alone on one row (from `webhook_counts`, which a
/// trigger keeps in the writing transaction), then its webhooks. The conditions on `scoped` are inside each subquery,
/// so PostgreSQL skips the branch that does not apply (a join condition would run the scan).
/// The arrays are behind scalar subqueries so that the planner cannot count their elements:
/// given the arrays as constants it estimated each batch by its size, found every custom plan
/// cheaper than the generic one and planned the statement again on every run (0.15 ms of the
/// backend's time, more than running it; `pg_prepared_statements`: 0 generic plans of 12).
struct WebhookPagesStatement: PostgresPreparedStatement {
    static let name = "whs_webhook_pages"
    static let sql = """
        SELECT q.i, x.total, x.id, x.url, x.events, x.api_user
        FROM unnest((SELECT $1::text[]), (SELECT $2::int8[]), (SELECT $3::int8[]), (SELECT $4::text[]), (SELECT $5::bool[])) WITH ORDINALITY AS q(account, lim, off, api_user, scoped, i),
        LATERAL (
          SELECT t.total, p.id, p.url, p.events, p.api_user FROM
            (SELECT coalesce(sum(n), 0)::int8 AS total FROM webhook_counts WHERE account = q.account AND (NOT q.scoped OR api_user = q.api_user)) t
            LEFT JOIN LATERAL (SELECT id, url, events, api_user FROM webhooks WHERE q.scoped AND account = q.account AND api_user = q.api_user
                               ORDER BY id LIMIT q.lim OFFSET q.off) p ON true
          UNION ALL
          SELECT NULL, a.id, a.url, a.events, a.api_user FROM
            (SELECT id, url, events, api_user FROM webhooks WHERE NOT q.scoped AND account = q.account ORDER BY id LIMIT q.lim OFFSET q.off) a
        ) x
        """
    typealias Row = (index: Int, total: Int?, webhook: Webhook?)

    let accounts: [String]
    let limits: [Int]
    let offsets: [Int]
    let apiUsers: [String]
    let scoped: [Bool]

    init(_ requests: [PageBatches.Request]) {
        accounts = requests.map(\.account)
        limits = requests.map(\.query.limit)
        offsets = requests.map(\.query.offset)
        apiUsers = requests.map { $0.query.apiUser ?? "" }
        scoped = requests.map { $0.query.apiUser != nil }
    }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 5)
        bindings.append(accounts)
        bindings.append(limits)
        bindings.append(offsets)
        bindings.append(apiUsers)
        bindings.append(scoped)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        var cells = Cells(row)
        let index = try cells.next(Int.self)
        let total = try cells.next(Int?.self)
        guard let id = try cells.next(Int?.self) else { return (index, total, nil) }
        return (index, total, Webhook(id: id, url: try cells.next(), events: EventSet(mask: try cells.next()), apiUser: try cells.next()))
    }
}

extension PostgresStore {
    /// The pages of `requests`, in their order, from one statement on a pinned connection.
    /// Requests that ask the same (an account's first page, polled by many clients) are read
    /// once and answered alike: each of them arrived before the statement was written.
    func pages(_ requests: [PageBatches.Request]) async throws(WebhookError) -> [Page] {
        var distinct: [PageBatches.Request] = []
        var place: [PageBatches.Request: Int] = [:]
        let slots = requests.map { request in
            if let known = place[request] { return known }
            place[request] = distinct.count
            distinct.append(request)
            return distinct.count - 1
        }
        let statement = WebhookPagesStatement(distinct)
        let count = distinct.count
        let pages = try await pinned(retry: true) { connection -> [Page] in
            var totals = [Int](repeating: 0, count: count)
            var lists = [[Webhook]](repeating: [], count: count)
            for try await (index, total, webhook) in try await connection.execute(statement, logger: PostgresStore.quiet) {
                guard index >= 1 && index <= count else { throw WebhookError.storage("a page statement answered for request \(index) of \(count)") }
                if let total { totals[index - 1] = total }
                if let webhook { lists[index - 1].append(webhook) }
            }
            return (0..<count).map { i in Page(webhooks: lists[i].sorted { $0.id < $1.id }, total: totals[i]) }
        }
        return slots.map { pages[$0] }
    }
}
