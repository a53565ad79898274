import HTTPServing
import MailSandbox
import WebhookCore
import WebhookDelivery
import WhsInspector
import WhsObservability

/// `whs serve`: the API of API.md over HTTP/1.1 on one address, until SIGINT or SIGTERM.
public struct WebhookServer: Sendable {
    public let backend: any AsyncWebhookBackend
    public let host: String
    public let port: Int
    public let logRequests: Bool
    public let dispatcher: Dispatcher?
    public let mailer: Mailer?
    /// The node's name: in the health route's answer, and on log lines when `logsNode`.
    public let node: String
    public let logsNode: Bool
    /// What `GET /metrics` shows; nil: no metrics (`--no-metrics`).
    public var metrics: Metrics?
    /// Who may read `GET /metrics`.
    public var metricsAccess = MetricsAccess()
    /// Request lines as text or JSON (`--log-format`).
    public var logFormat = LogFormat.text
    /// The web inspector's settings; nil: no `/ui` (`--no-ui`).
    public var inspector: Inspector.Options? = Inspector.Options()

    public init(backend: any AsyncWebhookBackend, host: String, port: Int, logRequests: Bool = true, dispatcher: Dispatcher? = nil,
                mailer: Mailer? = nil, node: String = "whs", logsNode: Bool = false) {
        self.backend = backend
        self.node = node
        self.logsNode = logsNode
        self.dispatcher = dispatcher
        self.mailer = mailer
        self.host = host
        self.port = port
        self.logRequests = logRequests
    }

    /// Serves until a signal stops it. `ready` gets the port actually bound (for `--port 0`).
    public func run(ready: @escaping @Sendable (Int) -> Void) async throws {
        var responder = WebhookResponder(backend: backend, dispatcher: dispatcher, mailer: mailer,
                                         log: RequestLog(enabled: logRequests, node: logsNode || logFormat == .json ? node : "", format: logFormat),
                                         node: node)
        responder.metrics = metrics
        responder.metricsAccess = metricsAccess
        let sessions = responder.sessions
        backend.onAccountsChanged { sessions.forgetAll() }
        let follows = responder.follows
        dispatcher?.onAttemptsLogged { follows.wakeAll() }
        responder.inspector = inspector.map { Inspector(backend: InspectorServices(backend: backend, dispatcher: dispatcher, mailer: mailer, follows: follows), options: $0) }
        try await HTTPServer(host: host, port: port, responder: responder).run(ready: ready)
    }
}
