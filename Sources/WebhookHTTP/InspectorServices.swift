import MailSandbox
import WebhookCore
import WebhookDelivery
import WhsInspector

/// What the inspector reads and does, from the server's parts: the backend that authenticates,
/// the mailer's store and templates, the dispatcher's log and redeliver, and the follows that
/// the server wakes when it writes (the live page waits on them like `GET /v1/stream`).
struct InspectorServices: InspectorBackend {
    let backend: any AsyncWebhookBackend
    let dispatcher: Dispatcher?
    let mailer: Mailer?
    let follows: FollowRegistry

    func authenticate(apiUser: String, apiKey: String) async throws(WebhookError) -> String {
        try await backend.authenticate(apiUser: apiUser, apiKey: apiKey)
    }

    func webhooks(account: String) async throws(WebhookError) -> any AsyncWebhookService { try await backend.webhooks(account: account) }

    var mails: (any AsyncMailStore)? { mailer?.store }
    var deliveries: (any AsyncDeliveryStore)? { dispatcher?.store }
    var activity: (any AsyncActivityLog)? { backend as? any AsyncActivityLog }
    var isStopping: Bool { follows.isStopping }

    func redeliver(account: String, id: Int) async throws(WebhookError) -> Delivery {
        guard let dispatcher else { throw .routeNotFound("this server does not deliver events") }
        return try await dispatcher.redeliver(account: account, id: id)
    }

    func putTemplate(account: String, name: String, subject: String, html: String, text: String) async throws(WebhookError) -> MailTemplate {
        guard let mailer else { throw .routeNotFound("this server does not send mail") }
        return try await mailer.template(account: account, name: name, subject: subject, html: html, text: text)
    }

    /// The dispatcher signs with the second the attempt started and does not keep the
    /// headers: they are made again the same way, and checked as a receiver with the key would.
    func sentHeaders(account: String, delivery: Delivery, attempt: DeliveryAttempt) async -> SentHeaders {
        let key = (try? await dispatcher?.appKey(account: account)) ?? ""
        let headers = PushSender.headers(timestamp: Int(attempt.time), appKey: key, signature: dispatcher?.options.signature ?? .standard,
                                         forged: delivery.fault == .badsig)
        func value(_ name: String) -> String? { headers.first { $0.0 == name }?.1 }
        let verdict = Signature.verify(timestamp: value("X-WebHook-Timestamp"), appKeyHeader: value("X-WebHook-AppKey"),
                                       signature: value("X-WebHook-Signature"), secret: key)
        if case .valid = verdict { return SentHeaders(headers: headers, verdict: verdict.word, verifies: true) }
        return SentHeaders(headers: headers, verdict: verdict.word, verifies: false)
    }

    func waitForActivity(seconds: Double) async {
        let follow = follows.open()
        defer { follows.close(follow.number) }
        await follow.wake.wait(seconds: seconds)
    }
}
