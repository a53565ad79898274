import HTTPServing
import NIOCore
import NIOHTTP1
import WebhookCore
import WebhookDelivery
import WhsObservability
import WhsSupport

/// What every request reports besides its answer: its trace id (echoed), its line in the log,
/// its count and latency in the metrics; and the page Prometheus reads.
extension WebhookResponder {
    static let proxyHeaders = ["Forwarded", "X-Forwarded-For", "X-Real-IP"]

    /// A method as a label: the ones HTTP defines, else `other` (a method is any token, and a
    /// label must come from a bounded set).
    static func methodLabel(_ method: HTTPMethod) -> String {
        switch method {
        case .GET, .HEAD, .POST, .PUT, .DELETE, .PATCH, .OPTIONS: method.rawValue
        default: "other"
        }
    }

    /// A store that failed a request: counted by kind.
    func countStoreError(_ error: WebhookError) {
        if let kind = error.storeFailure { metrics?.storeError(kind) }
    }

    /// `GET /metrics`: the counters, then what the store holds now, for Prometheus.
    func metricsPage(_ request: ServerRequest) async throws -> ServerResponse {
        guard let metrics else { throw WebhookError.routeNotFound("/metrics (this node was started with --no-metrics)") }
        let proxied = WebhookResponder.proxyHeaders.contains { request.headers.contains(name: $0) }
        if let refusal = metricsAccess.refusal(authorization: request[header: "Authorization"], loopback: request.callerIsLoopback && !proxied) {
            var response = WebhookResponder.json(refusal.error.json, status: refusal.error.httpStatus)
            if refusal.challenge { response.headers.add(name: "WWW-Authenticate", value: #"Bearer realm="whs metrics""#) }
            return response
        }
        var gauges: [GaugeFamily] = []
        if let dispatcher {
            if let census = dispatcher.store as? any DeliveryCensus {
                do throws(WebhookError) {
                    let counts = try await WebhookResponder.counts(census, node: dispatcher.node)
                    gauges.append(GaugeFamily(name: "whs_deliveries", help: "Deliveries in the delivery log, by state (the whole log: on a shared store every node reports the same).",
                                              samples: DeliveryState.allCases.map { ([("state", $0.rawValue)], Double(counts.byState[$0] ?? 0)) }))
                    if let leased = counts.leased {
                        gauges.append(GaugeFamily(name: "whs_deliveries_leased", help: "Deliveries this node holds leased and has not logged yet (shared stores).", value: Double(leased)))
                    }
                } catch {
                    countStoreError(error)
                }
            }
            gauges.append(GaugeFamily(name: "whs_deliveries_in_flight", help: "Pushes under way on this node now.", value: Double(dispatcher.inFlight)))
        }
        gauges.append(GaugeFamily(name: "whs_stream_follows", help: "Follows open on GET /v1/stream now.", value: Double(follows.count)))
        return ServerResponse(status: 200, headers: ["Content-Type": Exposition.contentType],
                              body: .bytes(ByteBuffer(string: metrics.exposition(gauges: gauges))))
    }
}

extension WebhookResponder {
    /// How long a scrape waits for the store's counts: a database that is away must not make
    /// the page (and its counters, which say so) late for Prometheus's scrape timeout.
    static let censusWait = Duration.seconds(1)

    /// The store's counts, or `.unreachable` when they take longer than `censusWait`.
    static func counts(_ census: any DeliveryCensus, node: String?) async throws(WebhookError) -> DeliveryCounts {
        let result = await withTaskGroup(of: Result<DeliveryCounts, WebhookError>?.self) { group in
            group.addTask {
                do throws(WebhookError) { return .success(try await census.deliveryCounts(leasedBy: node)) } catch { return .failure(error) }
            }
            group.addTask {
                try? await Task.sleep(for: censusWait)
                return nil
            }
            defer { group.cancelAll() }
            return await group.next() ?? nil
        }
        guard let result else { throw .unreachable("the store did not count its deliveries within \(censusWait)") }
        return try result.get()
    }
}

/// The caller of one request, filled in as it is learnt (its account, once authenticated),
/// for the request's log line.
final class Caller {
    var account: String?
}

/// Who may read `GET /metrics` (docs/OPERATIONS.md): with a token (`--metrics-token`,
/// `$WHS_METRICS_TOKEN`), whoever sends it as `Authorization: Bearer TOKEN`; without one,
/// only callers on this machine that did not come through a proxy (a request that carries
/// `Forwarded`, `X-Forwarded-For` or `X-Real-IP` came from elsewhere). The API's Basic auth
/// does not open it: metrics are the node's, not an account's.
public struct MetricsAccess: Sendable {
    public var token: String?

    public init(token: String? = nil) { self.token = token }

    struct Refusal {
        let error: WebhookError
        /// Send `WWW-Authenticate: Bearer` with it.
        let challenge: Bool
    }

    func refusal(authorization: String?, loopback: Bool) -> Refusal? {
        guard let token else {
            if loopback { return nil }
            return Refusal(error: .server(code: 40300, status: 403, message:
                "GET /metrics is answered to this machine only; give whs serve --metrics-token (or $WHS_METRICS_TOKEN) to read it from elsewhere"),
                           challenge: false)
        }
        let expected = Array("Bearer \(token)".utf8)
        if let given = authorization, MetricsAccess.equal(Array(given.utf8), expected) { return nil }
        return Refusal(error: .server(code: 30000, status: 401, message: "GET /metrics needs Authorization: Bearer and the token whs serve was given"),
                       challenge: true)
    }

    /// Compared in constant time for equal lengths, so that timing does not tell how much matched.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
