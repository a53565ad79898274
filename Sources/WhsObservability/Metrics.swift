import Synchronization

/// What a `whs serve` node counts, for `GET /metrics` (docs/OPERATIONS.md, "Metrics"). The
/// server reports each request once, where it answers it (not in each route), the dispatcher
/// each attempt, the mailer each send; what the store holds (deliveries by state, leases) is
/// read when Prometheus scrapes, and handed to `exposition(gauges:)`. Every series carries
/// the node's name. No label holds account data or a secret: routes are their templates
/// (`/v1/webhooks/{id}`), never the path as sent.
public final class Metrics: Sendable {
    public let node: String
    /// Unix seconds this node started, so that a dashboard sees a restart.
    let started: Double
    private let requests = Mutex<[String: RouteStats]>([:])
    private let attempts = Mutex(AttemptStats())
    private let mails = Mutex(MailStats())
    private let refused = Atomic<Int>(0)
    private let storeErrors = Mutex<[String: Int]>([:])

    /// One route's requests: counts by method and status, and one latency histogram.
    struct RouteStats {
        var answered: [Answer: Int] = [:]
        var latency = Histogram(bounds: Histogram.requestSeconds)

        mutating func record(_ answer: Answer, seconds: Double) {
            answered[answer, default: 0] += 1
            latency.observe(seconds)
        }
    }

    struct Answer: Hashable {
        let method: String
        let status: Int
    }

    struct AttemptStats {
        var outcomes: [AttemptOutcome: Int] = [:]
        var latency = Histogram(bounds: Histogram.attemptSeconds)
    }

    struct MailStats {
        var sent = 0
        var events: [String: Int] = [:]
    }

    public init(node: String, started: Double) {
        self.node = node
        self.started = started
    }

    /// One answered request. `route` is a template from a fixed set, never the path as sent.
    public func request(method: String, route: String, status: Int, seconds: Double) {
        requests.withLock { $0[route, default: RouteStats()].record(Answer(method: method, status: status), seconds: seconds) }
    }

    /// One push ended: how it went, and how long it took.
    public func attempt(_ outcome: AttemptOutcome, seconds: Double) {
        attempts.withLock { stats in
            stats.outcomes[outcome, default: 0] += 1
            stats.latency.observe(seconds)
        }
    }

    /// A push the address policy refused (docs/SCALING.md, "A shared node is not a laptop").
    public func pushRefused() { refused.add(1, ordering: .relaxed) }

    /// A send recorded: its mails (one per recipient) and each event of their lives, by name.
    public func mailsSent(_ count: Int, events: [String: Int]) {
        mails.withLock { stats in
            stats.sent += count
            for (name, n) in events { stats.events[name, default: 0] += n }
        }
    }

    /// A store call that failed: `unreachable` (the database is away) or `storage`.
    public func storeError(_ kind: String) {
        storeErrors.withLock { $0[kind, default: 0] += 1 }
    }

    /// The page Prometheus reads: what was counted here, then `gauges` as read now.
    public func exposition(gauges: [GaugeFamily] = []) -> String {
        var page = Exposition(common: [("node", node)])
        let routes = requests.withLock { $0 }.sorted { $0.key < $1.key }
        page.family("whs_http_requests_total", "counter", "Requests answered, by method, route (its template) and status.")
        for (route, stats) in routes {
            for (answer, count) in stats.answered.sorted(by: { ($0.key.method, $0.key.status) < ($1.key.method, $1.key.status) }) {
                page.sample("whs_http_requests_total", [("method", answer.method), ("route", route), ("status", String(answer.status))], count)
            }
        }
        page.family("whs_http_request_duration_seconds", "histogram", "Time from a request's arrival to its answer's head, by route.")
        for (route, stats) in routes { page.histogram("whs_http_request_duration_seconds", [("route", route)], stats.latency) }

        let pushes = attempts.withLock { $0 }
        page.family("whs_delivery_attempts_total", "counter",
                    "Pushes made by this node, by outcome: succeeded, retrying (failed, tried again later) or failed (no retries left).")
        for outcome in AttemptOutcome.allCases { page.sample("whs_delivery_attempts_total", [("outcome", outcome.rawValue)], pushes.outcomes[outcome] ?? 0) }
        page.family("whs_delivery_attempt_duration_seconds", "histogram", "Time a push took, from connecting to the end of the receiver's answer.")
        page.histogram("whs_delivery_attempt_duration_seconds", [], pushes.latency)
        page.family("whs_pushes_refused_total", "counter", "Pushes refused by the address policy (--public, --allow-push).")
        page.sample("whs_pushes_refused_total", [], refused.load(ordering: .relaxed))

        let sent = mails.withLock { $0 }
        page.family("whs_mails_sent_total", "counter", "Mails sent through this node, one per recipient.")
        page.sample("whs_mails_sent_total", [], sent.sent)
        page.family("whs_mail_events_total", "counter", "Events of the mails sent through this node (their lives, and engagement by hand), by event.")
        for (name, count) in sent.events.sorted(by: { $0.key < $1.key }) { page.sample("whs_mail_events_total", [("event", name)], count) }

        let errors = storeErrors.withLock { $0 }
        page.family("whs_store_errors_total", "counter", "Store calls that failed, by kind: unreachable (the database is away) or storage.")
        for kind in ["unreachable", "storage"] { page.sample("whs_store_errors_total", [("kind", kind)], errors[kind] ?? 0) }

        for gauge in gauges {
            page.family(gauge.name, "gauge", gauge.help)
            for (labels, value) in gauge.samples { page.sample(gauge.name, labels, value) }
        }
        page.family("whs_start_time_seconds", "gauge", "When this node started, in unix seconds.")
        page.sample("whs_start_time_seconds", [], started)
        return page.text
    }
}

/// How an attempt left its delivery.
public enum AttemptOutcome: String, Sendable, CaseIterable, Hashable {
    case succeeded, retrying, failed
}

/// A gauge read at scrape time (deliveries by state, leases, follows): its samples, each with
/// its own labels besides `node`.
public struct GaugeFamily: Sendable {
    public let name: String
    public let help: String
    public let samples: [(labels: [(String, String)], value: Double)]

    public init(name: String, help: String, samples: [(labels: [(String, String)], value: Double)]) {
        self.name = name
        self.help = help
        self.samples = samples
    }

    /// A gauge of one value.
    public init(name: String, help: String, value: Double) {
        self.init(name: name, help: help, samples: [([], value)])
    }
}
