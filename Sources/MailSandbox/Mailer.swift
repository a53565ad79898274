import Synchronization
import WebhookCore
import WebhookDelivery
import WhsSupport

/// The sending side of one store (docs/SENDING.md): checks a send, decides each recipient's
/// life, writes the send whole, and hands its pushes to the dispatcher in chains, so that each
/// webhook receives a mail's events in order. `whs serve` has one; so has a shell on a local
/// store.
public final class Mailer: Sendable {
    public let store: any AsyncMailStore & AsyncDeliveryStore
    public let dispatcher: Dispatcher
    /// Seconds between the events of one mail (`--event-delay`, `set event_delay`).
    let delayBox: Mutex<Double>
    let faultsBox = Mutex(FaultRates())
    let apiFaultsBox = Mutex(APIFaults())
    /// How long a `request_id` is remembered.
    public static let requestIDMemory = 3600.0
    public static let defaultEventDelay = 0.2
    /// Writes the sends without a request_id, several in one transaction.
    let writer = SendWriter()

    public init(store: any AsyncMailStore & AsyncDeliveryStore, dispatcher: Dispatcher, eventDelay: Double = Mailer.defaultEventDelay) {
        self.store = store
        self.dispatcher = dispatcher
        delayBox = Mutex(eventDelay)
    }

    public var eventDelay: Double {
        get { delayBox.withLock { $0 } }
        set { delayBox.withLock { $0 = max(0, newValue) } }
    }

    /// The share of mails that get each fault, and `late_delay` (`--faults`, `set faults`).
    public var faults: FaultRates {
        get { faultsBox.withLock { $0 } }
        set { faultsBox.withLock { $0 = newValue } }
    }

    /// Errors and latency the send calls answer with on purpose (`--api-faults`, `set api_faults`).
    public var apiFaults: APIFaults {
        get { apiFaultsBox.withLock { $0 } }
        set { apiFaultsBox.withLock { $0 = newValue } }
    }

    /// The injected latency of a send call, then its injected error if it draws one: before
    /// anything is read or written, so a failed call did nothing.
    func injectAPIFaults() async throws(WebhookError) {
        let faults = apiFaults
        if faults.latency > 0 { try? await Task.sleep(for: .milliseconds(Int64(faults.latency * 1000))) }
        if let error = faults.draw() { throw error }
    }

    /// What a send did: the answer and the deliveries it started (none for a repeat).
    public struct Sent: Sendable {
        public let answer: JSON
        /// The send's message id; "" for a repeat.
        public let messageID: String
        public let deliveryIDs: [Int]
    }

    /// Sends a route's body as `apiUser` of `account`. Nothing is written unless every rule
    /// holds and every recipient is well formed.
    public func send(account: String, apiUser: String, _ body: JSON, route: MailRoute) async throws(WebhookError) -> Sent {
        try await injectAPIFaults()
        let request = try MailRules.request(body, route: route)
        var subject = request.subject ?? ""
        var html = request.html
        var text = request.text
        if let name = request.templateName {
            guard let stored = try await store.template(account: account, name: name) else { throw .templateNotFound(name) }
            if request.subject == nil || request.subject == "" { subject = stored.subject }
            html = stored.html
            text = stored.text
        }
        _ = try await dispatcher.appKey(account: account)
        // Each recipient's tags are read once, for its life and its faults.
        let tags = request.to.map(\.tags)
        let lives = tags.map { MailLife.events(tags: $0, settings: request.settings) }
        var wanted = EventSet(mask: 0)
        for life in lives { for event in life { wanted.insert(event) } }
        // One look-up for every event of the send: the store's lock is what pushes being logged
        // contend for.
        let subscribed = try await store.subscribers(account: account, events: wanted)
            .filter { $0.apiUser.isEmpty || $0.apiUser == apiUser }
        let prepared = PreparedSend(account: account, apiUser: apiUser, request: request, subject: subject, html: html, text: text,
                                    tags: tags, lives: lives, subscribed: subscribed)
        guard request.requestID != nil else {
            // Written together with the sends that arrive meanwhile (`SendWriter`).
            let (plan, chains) = try await writer.record(prepared, by: self)
            return sent(plan, chains: chains)
        }
        // A request_id is looked up and remembered in the send's own transaction.
        let plan = try self.plan(prepared, at: Clock.now())
        switch try await store.recordSend(plan.send, repeatsSince: plan.send.created - Mailer.requestIDMemory) {
        case .repeated(let first):
            return Sent(answer: first, messageID: "", deliveryIDs: [])
        case .sent(let chains):
            dispatcher.startChains(chains)
            return sent(plan, chains: chains)
        }
    }

    /// What a send knows before its time is taken: its checked request and whom it reaches.
    struct PreparedSend: Sendable {
        let account: String
        let apiUser: String
        let request: MailRequest
        let subject: String
        let html: String
        let text: String
        let tags: [[String]]
        let lives: [[EventType]]
        let subscribed: [Webhook]
    }

    /// A send's plan, taken at one moment: what the store writes, and how many delivery chains
    /// it makes (one per webhook of each mail), so that a send written with others finds its own.
    struct Plan: Sendable {
        let send: PlannedSend
        let messageID: String
        let chainCount: Int
    }

    /// The life of each of the send's mails from `now`: ids, events and their push bodies.
    func plan(_ prepared: PreparedSend, at now: Double) throws(WebhookError) -> Plan {
        let request = prepared.request
        let itime = Int(now * 1000)
        let messageID = EventPayload.newMessageID(itime: itime)
        let taskID = EventPayload.sampleTaskID(messageID)
        let options = dispatcher.options
        let delay = options.scaled(eventDelay)
        let faults = self.faults
        let subscribed = prepared.subscribed
        func reaching(_ event: EventType) -> [Webhook] { subscribed.filter { $0.events.contains(event) } }

        var mails: [PlannedMail] = []
        var emailIDs: [JSON] = []
        var chainCount = 0
        for (index, recipient) in request.to.enumerated() {
            let variables = request.variables(forRecipient: index)
            let header = MailHeader(
                messageID: messageID, emailID: EventPayload.emailID(messageID: messageID, index: index, address: recipient.address),
                taskID: taskID, apiUser: prepared.apiUser, from: request.from.written, to: recipient.written, address: recipient.address,
                subject: MailLife.replacing(variables, in: prepared.subject), customArgs: request.customArgs, labelID: request.labelID,
                labelName: request.labelName, template: request.templateName)
            let mailHTML = MailLife.replacing(variables, in: prepared.html)
            let link = MailLife.firstLink(in: mailHTML) ?? EventPayload.Mail.placeholderLink
            var events: [PlannedEvent] = []
            var webhooks = Set<Int>()
            for (step, event) in prepared.lives[index].enumerated() {
                let time = now + Double(step) * delay
                var next = try planned(event, of: header, at: time, url: event.name == "click" ? link : nil, webhooks: reaching(event),
                                       extras: options.payloadExtras)
                next.step = step
                for webhook in next.webhooks { webhooks.insert(webhook.id) }
                events.append(next)
            }
            chainCount += webhooks.count
            events = MailFaults.apply(DeliveryFault.tagged(tags: prepared.tags[index]).union(faults.draw()), to: events,
                                      lateBy: options.scaled(faults.lateDelay))
            mails.append(PlannedMail(header: header, html: mailHTML, text: MailLife.replacing(variables, in: prepared.text), events: events,
                                     extra: Mailer.extra(of: request, variables)))
            emailIDs.append(.string(header.emailID))
        }
        let answer: JSON = .object([("email_ids", .array(emailIDs)), ("request_id", .string(request.requestID ?? ""))])
        return Plan(send: PlannedSend(account: prepared.account, apiUser: prepared.apiUser, requestID: request.requestID, answer: answer,
                                      mails: mails, created: now),
                    messageID: messageID, chainCount: chainCount)
    }

    /// A send written, its pushes started: counted, and answered.
    func sent(_ plan: Plan, chains: [[DeliveryLink]]) -> Sent {
        if let metrics = dispatcher.metrics {
            var events: [String: Int] = [:]
            for mail in plan.send.mails { for event in mail.loggedEvents { events[event.event.name, default: 0] += 1 } }
            metrics.mailsSent(plan.send.mails.count, events: events)
        }
        return Sent(answer: plan.send.answer, messageID: plan.messageID, deliveryIDs: chains.flatMap { $0.map(\.id) })
    }

    /// An engagement event on a delivered mail, now: logged and pushed. Returns its deliveries.
    public func engage(account: String, mail id: Int, event: EventType, url: String?) async throws(WebhookError) -> [Int] {
        guard MailLife.engagement.contains(event.name) else {
            throw .invalidParameter("only open, click, unsubscribe and report_spam can be caused by hand, not \(event.name)")
        }
        guard let mail = try await store.mail(account: account, id: id) else { throw .mailNotFound(String(id)) }
        guard mail.events.contains(where: { $0.event.name == "deliver" }) else {
            let so = mail.events.map(\.event.name).joined(separator: ", ")
            throw .invalidParameter("mail \(id) was not delivered (its events: \(so)); engagement needs a delivered mail")
        }
        if let url { _ = try Validation.url(url) }
        let link = event.name == "click" ? (url ?? MailLife.firstLink(in: mail.html) ?? EventPayload.Mail.placeholderLink) : nil
        let webhooks = try await store.subscribers(account: account, events: EventSet([event])).filter { $0.apiUser.isEmpty || $0.apiUser == mail.header.apiUser }
        _ = try await dispatcher.appKey(account: account)
        let links = try await store.recordEvent(account: account, mailID: id, try planned(event, of: mail.header, at: Clock.now(), url: link, webhooks: webhooks,
                                                                                                     extras: dispatcher.options.payloadExtras))
        dispatcher.startChains(links.map { [$0] })
        dispatcher.metrics?.mailsSent(0, events: [event.name: 1])
        return links.map(\.id)
    }

    /// The body `event` of `mail` would carry now.
    public static func payload(_ event: EventType, of header: MailHeader, url: String?, extras: Bool = false) -> JSON {
        EventPayload.build(event, of: EventPayload.Mail(header, url: url), itime: Int(Clock.now() * 1000), extras: extras)
    }

    func planned(_ event: EventType, of header: MailHeader, at time: Double, url: String?, webhooks: [Webhook], extras: Bool) throws(WebhookError) -> PlannedEvent {
        let body = EventPayload.build(event, of: EventPayload.Mail(header, url: url), itime: Int(time * 1000), extras: extras)
        return PlannedEvent(event: event, time: time, detail: url.map { .object([("url", .string($0))]) } ?? .object([]),
                            payload: body.bytes, webhooks: webhooks)
    }

    /// `given` as a mail's number in the log, when it is one (else it is an email id).
    public static func logNumber(_ given: String) -> Int? {
        guard let number = Int(given), number > 0 else { return nil }
        return number
    }

    /// A mail of the account by its id in the log or its email id.
    public func mailID(account: String, _ given: String) async throws(WebhookError) -> Int {
        if let number = Mailer.logNumber(given) { return number }
        guard let found = try await store.mailID(account: account, emailID: given) else { throw .mailNotFound(given) }
        return found
    }

    public func template(account: String, name: String, subject: String, html: String, text: String) async throws(WebhookError) -> MailTemplate {
        try await store.putTemplate(account: account, try MailTemplate.validated(name: name, subject: subject, html: html, text: text, at: Clock.now()))
    }
}
