import Testing
import WhsSupport
@testable import WhsObservability

@Suite struct MetricsTests {
    /// Every sample line of a page: `name{labels} value`, keyed by what precedes the value.
    func samples(_ page: String) -> [String: String] {
        var found: [String: String] = [:]
        for line in page.split(separator: "\n") where !line.hasPrefix("#") {
            let space = line.lastIndex(of: " ")!
            found[String(line[..<space])] = String(line[line.index(after: space)...])
        }
        return found
    }

    @Test func countsRequestsByMethodRouteAndStatusWithTheNodeOnEach() {
        let metrics = Metrics(node: "n1", started: 1_700_000_000)
        metrics.request(method: "GET", route: "/v1/webhooks", status: 200, seconds: 0.0004)
        metrics.request(method: "GET", route: "/v1/webhooks", status: 200, seconds: 0.003)
        metrics.request(method: "POST", route: "/v1/webhooks", status: 400, seconds: 0.2)
        let page = metrics.exposition()
        let found = samples(page)
        #expect(found[#"whs_http_requests_total{node="n1",method="GET",route="/v1/webhooks",status="200"}"#] == "2")
        #expect(found[#"whs_http_requests_total{node="n1",method="POST",route="/v1/webhooks",status="400"}"#] == "1")
        // Cumulative buckets: 0.0004 is under 0.0005; 0.003 under 0.005; 0.2 under 0.25.
        #expect(found[#"whs_http_request_duration_seconds_bucket{node="n1",route="/v1/webhooks",le="0.0005"}"#] == "1")
        #expect(found[#"whs_http_request_duration_seconds_bucket{node="n1",route="/v1/webhooks",le="0.005"}"#] == "2")
        #expect(found[#"whs_http_request_duration_seconds_bucket{node="n1",route="/v1/webhooks",le="0.25"}"#] == "3")
        #expect(found[#"whs_http_request_duration_seconds_bucket{node="n1",route="/v1/webhooks",le="+Inf"}"#] == "3")
        #expect(found[#"whs_http_request_duration_seconds_count{node="n1",route="/v1/webhooks"}"#] == "3")
        #expect(page.contains("# TYPE whs_http_request_duration_seconds histogram\n"))
        #expect(found[#"whs_start_time_seconds{node="n1"}"#] == "1700000000")
    }

    @Test func countsAttemptsMailsRefusalsAndStoreErrors() {
        let metrics = Metrics(node: "n", started: 0)
        metrics.attempt(.succeeded, seconds: 0.002)
        metrics.attempt(.retrying, seconds: 3.5)
        metrics.pushRefused()
        metrics.mailsSent(2, events: ["request": 2, "deliver": 1])
        metrics.mailsSent(1, events: ["request": 1])
        metrics.storeError("unreachable")
        let found = samples(metrics.exposition())
        #expect(found[#"whs_delivery_attempts_total{node="n",outcome="succeeded"}"#] == "1")
        #expect(found[#"whs_delivery_attempts_total{node="n",outcome="retrying"}"#] == "1")
        #expect(found[#"whs_delivery_attempts_total{node="n",outcome="failed"}"#] == "0")
        #expect(found[#"whs_delivery_attempt_duration_seconds_bucket{node="n",le="3"}"#] == "1")
        #expect(found[#"whs_delivery_attempt_duration_seconds_bucket{node="n",le="5"}"#] == "2")
        #expect(found[#"whs_pushes_refused_total{node="n"}"#] == "1")
        #expect(found[#"whs_mails_sent_total{node="n"}"#] == "3")
        #expect(found[#"whs_mail_events_total{node="n",event="request"}"#] == "3")
        #expect(found[#"whs_store_errors_total{node="n",kind="unreachable"}"#] == "1")
        #expect(found[#"whs_store_errors_total{node="n",kind="storage"}"#] == "0")
    }

    @Test func gaugesReadAtScrapeTimeFollowTheCounters() {
        let metrics = Metrics(node: "n", started: 0)
        let page = metrics.exposition(gauges: [
            GaugeFamily(name: "whs_deliveries", help: "Deliveries.", samples: [([("state", "pending")], 4), ([("state", "succeeded")], 10)]),
            GaugeFamily(name: "whs_stream_follows", help: "Follows.", value: 0),
        ])
        let found = samples(page)
        #expect(found[#"whs_deliveries{node="n",state="pending"}"#] == "4")
        #expect(found[#"whs_stream_follows{node="n"}"#] == "0")
        #expect(page.contains("# TYPE whs_deliveries gauge\n"))
    }

    @Test func labelValuesAreEscaped() {
        let metrics = Metrics(node: "a\"b\\c\nd", started: 0)
        #expect(metrics.exposition().contains(#"{node="a\"b\\c\nd"}"#))
    }

    @Test(arguments: [(0.0005, "0.0005"), (10.0, "10"), (2.5, "2.5"), (Double.infinity, "+Inf")])
    func numbersAreWrittenAsPrometheusReadsThem(_ value: Double, _ text: String) {
        #expect(Exposition.number(value) == text)
    }
}

@Suite struct TraceIDTests {
    @Test(arguments: ["abc-123", "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "Root=1-5759e988-bd862e3fe1be46a994272793", "a:b.c_d+e/f@g"])
    func aSafeIdIsKept(_ given: String) {
        #expect(TraceID.of(given) == given)
    }

    @Test(arguments: ["", "has space", "quote\"", "new\nline", "é", String(repeating: "a", count: 65), "<script>"])
    func anythingElseIsReplacedByAMadeOne(_ given: String) {
        let made = TraceID.of(given)
        #expect(made != given)
        #expect(made.count == 32 && made.allSatisfy(\.isHexDigit))
    }

    @Test func madeIdsDiffer() {
        #expect(Set((0..<100).map { _ in TraceID.make() }).count == 100)
    }
}

@Suite struct LogFormatTests {
    @Test func anUnknownFormatListsTheKnownOnes() throws {
        guard case .failure(let error) = LogFormat.named("yaml") else { Issue.record("yaml was taken"); return }
        #expect(error.description == #"--log-format must be one of text, json, got "yaml""#)
        #expect(try LogFormat.named("json").get() == .json)
    }

    @Test func aJSONLineStartsWithTimeLevelAndNode() throws {
        let line = JSONLogLine.text(level: "info", node: "n1", [("status", .int(200))], at: 0)
        #expect(line == #"{"time":"1970-01-01T00:00:00.000Z","level":"info","node":"n1","status":200}"#)
        #expect(try JSON.parse(line)["status"] == .int(200))
    }
}
