import Synchronization
import WebhookCore

/// `GET /ui/live`: the account's activity (new mails, engagement, attempts) as Server-Sent
/// Events, read from the store's activity log like `GET /v1/stream`. The page's script
/// reloads what it shows when one concerns it. Each chunk is made when the server asks for the
/// next one, so a browser that went away leaves nothing running once a write to it fails
/// (a keep-alive comment every 5 s finds that out).
extension Inspector {
    static let livePoll = 0.25
    static let keepAlive = 5.0

    func live(_ c: Context) -> InspectorResponse {
        guard let log = backend.activity else { return plain(404, "This store keeps no activity log: reload to see changes.") }
        // Where the page was drawn (`after`), or the last event a reconnecting browser got:
        // nothing that happened in between is missed.
        let start = (c.request.header("Last-Event-ID") ?? c.query["after"]).flatMap(ActivityPosition.init(parsing:))
        let feed = LiveFeed(log: log, backend: backend, account: c.account, start: start)
        let stream = AsyncStream<[UInt8]>(unfolding: { await feed.next() })
        return InspectorResponse(status: 200, headers: [
            ("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-store"), ("X-Accel-Buffering", "no"),
        ], body: .stream(stream))
    }
}

/// Where a live page's stream is in the activity log.
actor LiveFeed {
    let log: any AsyncActivityLog
    let backend: any InspectorBackend
    let account: String
    var cursor: ActivityPosition?
    var lastWrite = ContinuousClock.now

    let start: ActivityPosition?

    init(log: any AsyncActivityLog, backend: any InspectorBackend, account: String, start: ActivityPosition?) {
        self.log = log
        self.backend = backend
        self.account = account
        self.start = start
    }

    /// The next chunk to send: what happened since the last one, a keep-alive comment after a
    /// quiet while, or nil when the server stops.
    func next() async -> [UInt8]? {
        guard let cursor else {
            guard let end = try? await log.activityEnd() else { return nil }
            let from = start.map { min($0, end) } ?? end
            self.cursor = from
            lastWrite = .now
            return Array("retry: 2000\nid: \(from)\nevent: ready\ndata: {}\n\n".utf8)
        }
        var position = cursor
        while !Task.isCancelled, !backend.isStopping {
            var text = ""
            var full = false
            if let page = try? await log.activity(account: account, after: position, limit: 200) {
                for entry in page.entries { text += "id: \(entry.position)\nevent: \(entry.kind.name)\ndata: \(entry.json.text)\n\n" }
                position = page.end
                full = page.full
            }
            self.cursor = position
            if text.isEmpty, ContinuousClock.now - lastWrite > .seconds(Inspector.keepAlive) { text = ": keep-alive\n\n" }
            if !text.isEmpty {
                lastWrite = .now
                return Array(text.utf8)
            }
            if !full { await backend.waitForActivity(seconds: Inspector.livePoll) }
        }
        return nil
    }
}
