import HTTPServing
import NIOCore
import NIOHTTP1
import Synchronization
import WebhookCore
import WebhookDelivery
import WhsSupport

/// `GET /v1/stream`: the caller's mails, engagement and attempts as they happen, as
/// Server-Sent Events (docs/OPERATIONS.md, "Following"). Each event's `id:` is its position
/// in the store's activity log, so a client that reconnects with `Last-Event-ID` (as every
/// EventSource does by itself) gets what it missed, without gaps or repeats, from any node of
/// a shared store. The first event, `ready`, carries the position the stream starts from, so
/// that a client that loses the connection before anything happened resumes from there.
extension WebhookResponder {
    static let streamParameters = ["kinds", "last_event_id", "timeout"]
    /// Rows read at a time; a full page is followed by another read at once.
    static let streamPage = 500
    /// The longest a follow waits before it reads again: what other processes on the store
    /// (another node, a shell) wrote is seen within this.
    static let streamPoll = 0.25
    /// A comment line this often keeps proxies from closing an idle stream, and finds a
    /// client that vanished without closing its connection.
    static let keepAlive = 5.0

    func stream(_ request: ServerRequest, account: String) async throws -> ServerResponse {
        guard let log = backend as? any AsyncActivityLog else { throw WebhookError.routeNotFound("/v1/stream (this store keeps no activity log)") }
        let values = try WireDecoding.queryValues(request.query, allowed: WebhookResponder.streamParameters)
        let kinds = try WebhookResponder.streamKinds(values["kinds"])
        let timeout = try values["timeout"].map(WebhookResponder.streamTimeout)
        let start: ActivityPosition
        if let given = request[header: "Last-Event-ID"] ?? values["last_event_id"] {
            guard let position = ActivityPosition(parsing: given) else {
                throw WebhookError.invalidParameter("Last-Event-ID must be the id of an event this stream sent (digits, or digits.digits), got \(Validation.quoted(String(given.prefix(60))))")
            }
            start = position
        } else {
            start = try await log.activityEnd()
        }
        let follows = self.follows
        let channel = request.channel
        // nginx buffers answers unless told not to; a stream must pass each event on at once.
        let headers: HTTPHeaders = ["Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"]
        let node = self.node
        let metrics = self.metrics
        return ServerResponse(status: 200, headers: headers, body: .stream { writer in
            // Registered here, where the stream runs: whichever way it ends, the defer frees it.
            let follow = follows.open()
            // The client went away: end the follow now, not at its next write (which may be
            // 5 s away). Weakly, so that a connection kept alive afterwards holds nothing.
            let watcher = InputClosedWatcher { [weak follow] in follow?.end() }
            defer {
                follows.close(follow.number)
                channel.pipeline.removeHandler(watcher, promise: nil)
            }
            try await channel.pipeline.addHandler(watcher, position: .first).get()
            let ready = JSON.object([("node", .string(node)), ("last_event_id", .string(start.description))])
            try await writer.write(ByteBuffer(string: "retry: 1000\nid: \(start)\nevent: ready\ndata: \(ready.text)\n\n"))
            var cursor = start
            var lastWrite = ContinuousClock.now
            let ends = timeout.map { ContinuousClock.now + .milliseconds($0) }
            // The server stopping ends every follow (`FollowRegistry.stopAll`).
            while !follow.isEnded, !follows.isStopping {
                var text = ""
                var full = false
                do {
                    let page = try await log.activity(account: account, after: cursor, limit: WebhookResponder.streamPage)
                    for entry in page.entries where kinds.contains(entry.kind) {
                        text += "id: \(entry.position)\nevent: \(entry.kind.name)\ndata: \(entry.json.text)\n\n"
                    }
                    cursor = page.end
                    full = page.full
                } catch {
                    if let kind = (error as? WebhookError)?.storeFailure { metrics?.storeError(kind) }
                }
                if text.isEmpty, ContinuousClock.now - lastWrite > .seconds(WebhookResponder.keepAlive) { text = ": keep-alive\n\n" }
                if !text.isEmpty {
                    try await writer.write(ByteBuffer(string: text))
                    lastWrite = ContinuousClock.now
                }
                if let ends, ContinuousClock.now >= ends { break }
                if !full {
                    let left = ends.map { ContinuousClock.now.duration(to: $0) / .seconds(1) } ?? WebhookResponder.streamPoll
                    await follow.wake.wait(seconds: max(0.001, min(WebhookResponder.streamPoll, left)))
                }
            }
        })
    }

    /// `kinds=mail,attempt`: the kinds of row to send; all of them when not given.
    static func streamKinds(_ given: String?) throws(WebhookError) -> Set<ActivityKind> {
        guard let given else { return Set(ActivityKind.allCases) }
        var kinds: Set<ActivityKind> = []
        for name in given.split(separator: ",", omittingEmptySubsequences: false) {
            guard let kind = ActivityKind.allCases.first(where: { $0.name == name }) else {
                throw .invalidParameter("kinds must name mail, engagement or attempt, separated by commas; got \(Validation.quoted(String(name)))")
            }
            kinds.insert(kind)
        }
        return kinds
    }

    /// `timeout=90s`: end the stream after that long (a script's `curl` then ends by itself):
    /// 1 to 6 digits and `ms`, `s`, `m` or `h`. Milliseconds.
    static func streamTimeout(_ given: String) throws(WebhookError) -> Int64 {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        for (unit, scale) in units where given.hasSuffix(unit) {
            let digits = given.dropLast(unit.count)
            if (1...6).contains(digits.count), digits.first != "0", digits.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int64(digits) {
                return number * scale
            }
        }
        throw .invalidParameter("timeout must be a duration, 1 to 6 digits and ms, s, m or h (90s, 5m); got \(Validation.quoted(String(given.prefix(40))))")
    }
}
