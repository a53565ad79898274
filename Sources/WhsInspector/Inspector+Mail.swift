import WebhookCore
import WhsSupport

/// One mail: its headers, its content (HTML in a sandboxed frame of its own route, the text
/// part, the calendar or MIME source), and its timeline: each event with its pushes, each push
/// with its attempts and the exact request sent, and a button to push it again.
extension Inspector {
    /// The HTML content's own policy: no scripts, nothing loaded from anywhere (images only as
    /// `data:`), the mail's inline styles applied; sandboxed even when opened on its own, and
    /// shown only in a frame of the inspector.
    static let contentCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; sandbox; "
        + "form-action 'none'; base-uri 'none'; frame-ancestors 'self'"

    func mailPage(_ c: Context, id: Int) async throws(WebhookError) -> InspectorResponse {
        let from = await liveFrom()
        guard let mail = try await mailStore().mail(account: c.account, id: id) else { throw .mailNotFound(String(id)) }
        let h = mail.header
        var fields: [(String, String)] = [("From", h.from), ("To", h.to), ("Subject", h.subject), ("Sent", Inspector.time(mail.created)),
                                          ("Message id", h.messageID), ("Email id", h.emailID), ("Task id", String(h.taskID)), ("API_USER", h.apiUser)]
        if let template = h.template { fields.append(("Template", template)) }
        if let label = h.labelName ?? h.labelID.map(String.init) { fields.append(("Label", label)) }
        if case .object(let members) = h.customArgs, !members.isEmpty { fields.append(("custom_args", h.customArgs.text)) }
        let headerRows: [HTML] = fields.map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>" }
        var content: [HTML] = []
        if !mail.html.isEmpty {
            content.append("""
                <h2>HTML content</h2><iframe class="content" src="/ui/mails/\(mail.id)/content" sandbox="" referrerpolicy="no-referrer" \
                title="The HTML content of mail \(mail.id)"></iframe>
                """)
        }
        if !mail.text.isEmpty { content.append("<h2>Text part</h2><pre class=\"text-part\">\(mail.text)</pre>") }
        if case .object(let members)? = mail.extra {
            for (key, value) in members {
                if key == "mime", case .string(let source) = value {
                    content.append("<details class=\"source\"><summary>MIME source</summary><pre>\(source)</pre></details>")
                } else {
                    content.append("<details class=\"source\" open><summary>\(key == "calendar" ? "Calendar" : key)</summary><pre>\(value.prettyText)</pre></details>")
                }
            }
        }
        let timeline = try await self.timeline(mail, c)
        return page(title: h.subject.isEmpty ? "Mail \(mail.id)" : h.subject, session: c.session, nav: "mails", live: "mail", liveFrom: from,
                    attributes: " data-message-id=\"\(h.messageID)\"", body: """
            <p class="crumbs"><a href="/ui/mails">Mails</a> › \(mail.id)</p>
            <h1 class="subject">\(h.subject.isEmpty ? "(no subject)" : h.subject)</h1>
            <div class="mail-layout"><div class="mail-body"><dl class="headers">\(headerRows)</dl>\(content)</div>
            <div class="mail-timeline"><h2>Timeline</h2><div id="live-region">\(timeline)</div></div></div>
            """)
    }

    /// Each logged event with the pushes it caused; pushes of no logged event (a duplicate, a
    /// forged copy) after them.
    func timeline(_ mail: MailRecord, _ c: Context) async throws(WebhookError) -> HTML {
        var byEvent: [String: [Delivery]] = [:]
        for delivery in mail.deliveries { byEvent[delivery.event.name, default: []].append(delivery) }
        var shown = Set<String>()
        var items: [HTML] = []
        for event in mail.events {
            let deliveries = shown.insert(event.event.name).inserted ? byEvent[event.event.name] ?? [] : []
            let detail: HTML = (try? Inspector.detailText(event.detail)).map { "<span class=\"detail\">\($0)</span>" } ?? ""
            var pushes: [HTML] = []
            for delivery in deliveries { pushes.append(await push(delivery, mail: mail, c)) }
            items.append("""
                <li class="event"><div class="event-head"><span class="ev ev-\(event.event.name)">\(event.event.name)</span>\
                <time>\(Inspector.time(event.time))</time>\(detail)</div>\
                \(pushes.isEmpty ? "<p class=\"muted\">No push (no webhook subscribed).</p>" : HTML(joining: pushes))</li>
                """)
        }
        var others: [HTML] = []
        for delivery in mail.deliveries where !shown.contains(delivery.event.name) { others.append(await push(delivery, mail: mail, c)) }
        if !others.isEmpty { items.append("<li class=\"event\"><div class=\"event-head\">Other pushes</div>\(others)</li>") }
        return items.isEmpty ? "<p class=\"muted\">No events.</p>" : "<ol class=\"timeline\">\(items)</ol>"
    }

    static func detailText(_ detail: JSON) throws -> String? {
        guard case .object(let members) = detail, !members.isEmpty else { return nil }
        return members.map { key, value in
            if case .string(let text) = value { return "\(key): \(text)" }
            return "\(key): \(value.text)"
        }.joined(separator: ", ")
    }

    /// One push: where, its state, its attempts, the request as sent, and the redeliver button.
    func push(_ delivery: Delivery, mail: MailRecord, _ c: Context) async -> HTML {
        let outgoing = try? await backend.deliveries?.outgoing(deliveryID: delivery.id)
        var attemptRows: [HTML] = []
        var requests: [HTML] = []
        for attempt in delivery.attempts {
            let status: HTML = attempt.status.map { "\($0)" } ?? "<span class=\"muted\">none</span>"
            attemptRows.append("""
                <tr class="\(attempt.succeeded ? "ok" : "bad")"><td class="num" data-label="Attempt">\(attempt.number)</td>\
                <td class="when" data-label="At">\(Inspector.time(attempt.time))</td><td class="num status" data-label="Status">\(status)</td>\
                <td class="num" data-label="Latency">\(Inspector.milliseconds(attempt.latencyMilliseconds))</td>\
                <td data-label="Error">\(attempt.error ?? "")</td><td data-label="Node">\(attempt.node ?? "")</td></tr>
                """)
            let sent = await backend.sentHeaders(account: c.account, delivery: delivery, attempt: attempt)
            let headerLines = sent.headers.map { "\($0.0): \($0.1)" }.joined(separator: "\n")
            let body = outgoing.map { String(decoding: $0.payload, as: UTF8.self) } ?? ""
            requests.append("""
                <details class="request" data-key="request-\(delivery.id)-\(attempt.number)"><summary>Attempt \(attempt.number): the request sent · signature \
                <span class="\(sent.verifies ? "sig-ok" : "sig-bad")">\(sent.verifies ? "verifies (\(sent.verdict))" : "would not verify (\(sent.verdict))")</span>\
                </summary><pre>POST \(delivery.url)\n\(headerLines)\n\n\(Inspector.prettyBody(body))</pre></details>
                """)
        }
        let attempts: HTML = delivery.attempts.isEmpty ? "<p class=\"muted\">Not attempted yet.</p>" : """
            <table class="list attempts"><thead><tr><th scope="col">#</th><th scope="col">At</th><th scope="col">Status</th>\
            <th scope="col">Latency</th><th scope="col">Error</th><th scope="col">Node</th></tr></thead><tbody>\(attemptRows)</tbody></table>
            """
        let next: HTML = delivery.nextAttempt.map { "<span class=\"muted\">next attempt \(Inspector.time($0))</span>" } ?? ""
        let fault: HTML = delivery.fault.map { "<span class=\"fault\">fault: \($0.rawValue)</span>" } ?? ""
        return """
            <section class="push" id="delivery-\(delivery.id)" data-row="delivery-\(delivery.id)"><div class="push-head">\
            <span class="state state-\(delivery.state.rawValue)">\(delivery.state.rawValue)</span> <span class="push-id">delivery \(delivery.id)</span> \
            to <span class="url">\(delivery.url)</span> \(fault) \(next)\
            <form method="post" action="/ui/deliveries/\(delivery.id)/redeliver" class="inline"><input type="hidden" name="csrf" value="\(c.session.csrf)">\
            <input type="hidden" name="back" value="/ui/mails/\(mail.id)"><button type="submit" class="redeliver">Redeliver</button></form></div>\
            \(attempts)\(requests)</section>
            """
    }

    static func milliseconds(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) ms"
    }

    /// A JSON body indented for reading; any other text as it is.
    static func prettyBody(_ body: String) -> String {
        guard let parsed = try? JSON.parse(body) else { return body }
        return parsed.prettyText
    }

    /// `GET /ui/mails/{id}/content`: the HTML part alone, under `contentCSP`, for the frame.
    func mailContent(_ c: Context, id: Int) async throws(WebhookError) -> InspectorResponse {
        guard let mail = try await mailStore().mail(account: c.account, id: id) else { throw .mailNotFound(String(id)) }
        return InspectorResponse(status: 200, headers: [
            ("Content-Type", "text/html; charset=utf-8"), ("Content-Security-Policy", Inspector.contentCSP),
            ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"), ("Cache-Control", "no-store"),
        ], body: .bytes(Array(mail.html.utf8)))
    }

    /// `POST /ui/deliveries/{id}/redeliver`: as the API's redeliver; back to the page it came from.
    func redeliver(_ c: Context, id: Int) async throws(WebhookError) -> InspectorResponse {
        let copy = try await backend.redeliver(account: c.account, id: id)
        let back = Inspector.safeNext(c.form["back"])
        return redirect(back == "/ui/mails" ? "/ui/deliveries" : back + "#delivery-\(copy.id)")
    }
}
