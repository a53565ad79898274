import WebhookCore

/// What the inspector reads and does, through the same async store protocols as the API's
/// routes: the server adapts its backend, mailer and dispatcher to this (WebhookHTTP's
/// `InspectorServices`), so that the inspector depends on neither.
public protocol InspectorBackend: Sendable {
    /// The account of an API_USER and key, or `.authenticationFailed`.
    func authenticate(apiUser: String, apiKey: String) async throws(WebhookError) -> String
    func webhooks(account: String) async throws(WebhookError) -> any AsyncWebhookService
    /// The mail log and templates; nil on a server that does not send mail.
    var mails: (any AsyncMailStore)? { get }
    /// The delivery log; nil on a server that does not deliver events.
    var deliveries: (any AsyncDeliveryStore)? { get }
    /// What the live page follows; nil for a store without an activity log.
    var activity: (any AsyncActivityLog)? { get }
    /// Pushes delivery `id` again as a new delivery, as `POST /v1/deliveries/{id}/redeliver`.
    func redeliver(account: String, id: Int) async throws(WebhookError) -> Delivery
    /// Stores a template with the API's checks, as `PUT /v1/templates/{name}`.
    func putTemplate(account: String, name: String, subject: String, html: String, text: String) async throws(WebhookError) -> MailTemplate
    /// The headers an attempt was sent with (rebuilt from its time, the account's key and the
    /// node's signature form) and whether a receiver holding the key would accept them.
    func sentHeaders(account: String, delivery: Delivery, attempt: DeliveryAttempt) async -> SentHeaders
    /// Waits until this node writes something (a send, an attempt) or `seconds` pass.
    func waitForActivity(seconds: Double) async
    /// True once the server is stopping: live pages end.
    var isStopping: Bool { get }
}

/// An attempt's request headers, and the signature check a receiver would make.
public struct SentHeaders: Sendable {
    public let headers: [(String, String)]
    /// `md5`, `hmac-sha256`, `invalid`, `missing` or `unchecked`, as Signature's verdicts.
    public let verdict: String
    public let verifies: Bool

    public init(headers: [(String, String)], verdict: String, verifies: Bool) {
        self.headers = headers
        self.verdict = verdict
        self.verifies = verifies
    }
}
