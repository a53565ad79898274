import WebhookCore

/// The mails page: newest first, a page at a time, searched by recipient, subject and state
/// (an event of the mail's life), each row with its events as a small timeline.
extension Inspector {
    static let mailsPerPage = 50

    func mailsPage(_ c: Context) async throws(WebhookError) -> InspectorResponse {
        let store = try mailStore()
        let from = await liveFrom()
        let q = c.query
        let query = try MailQuery.validated(to: q.nonEmpty("to"), messageID: q.nonEmpty("message_id"), subject: q.nonEmpty("subject"),
                                            event: q.nonEmpty("state"), before: q.integer("before"), limit: Inspector.mailsPerPage)
        let mails = Array(try await store.mails(account: c.account, query).reversed())
        let rows: [HTML] = mails.map { mail in
            """
            <tr data-row="mail-\(mail.id)"><td class="num"><a href="/ui/mails/\(mail.id)">\(mail.id)</a></td><td class="when">\(Inspector.time(mail.created))</td>\
            <td class="to">\(mail.header.to)</td><td class="subject"><a href="/ui/mails/\(mail.id)">\(mail.header.subject.isEmpty ? "(no subject)" : mail.header.subject)</a></td>\
            <td>\(Inspector.eventChips(mail.events))</td></tr>
            """
        }
        let search: [(String, String?)] = [("to", q.nonEmpty("to")), ("subject", q.nonEmpty("subject")), ("state", q.nonEmpty("state")),
                                            ("message_id", q.nonEmpty("message_id"))]
        var pager: [HTML] = []
        if query.before != nil { pager.append("<a href=\"/ui/mails?\(FormValues.query(search))\">Newest</a>") }
        if mails.count == Inspector.mailsPerPage, let oldest = mails.last?.id {
            pager.append("<a href=\"/ui/mails?\(FormValues.query(search + [("before", String(oldest))]))\" rel=\"next\">Older</a>")
        }
        let table: HTML = mails.isEmpty
            ? "<p class=\"empty\">\(query == MailQuery(limit: Inspector.mailsPerPage) ? "No mail yet: send one with the API or the shell." : "No mail matches.")</p>"
            : """
              <table class="list mails"><thead><tr><th scope="col">Id</th><th scope="col">Sent</th><th scope="col">To</th><th scope="col">Subject</th>\
              <th scope="col">Events</th></tr></thead><tbody id="mail-rows">\(rows)</tbody></table>
              """
        // Only the newest page follows the stream: an older page would jump as mail arrives.
        return page(title: "Mails", session: c.session, nav: "mails", live: query.before == nil ? "mails" : "", liveFrom: from, body: """
            <h1>Mails</h1>
            <form method="get" action="/ui/mails" class="filters" role="search">
            <label>Recipient <input name="to" type="search" value="\(q["to"] ?? "")" placeholder="name@example.com"></label>
            <label>Subject <input name="subject" type="search" value="\(q["subject"] ?? "")"></label>
            <label>State <select name="state">\(Inspector.eventOptions(q.nonEmpty("state"), any: "any"))</select></label>
            <button type="submit">Search</button></form>
            <div id="live-region">\(table)<nav class="pager" aria-label="Pages">\(pager)</nav></div>
            """)
    }

    /// A mail's events in order, as small labelled marks.
    static func eventChips(_ events: [MailEventRecord]) -> HTML {
        guard !events.isEmpty else { return "<span class=\"muted\">none</span>" }
        let items: [HTML] = events.map { event in
            "<li class=\"ev ev-\(event.event.name)\" title=\"\(event.event.name) at \(time(event.time))\">\(event.event.name)</li>"
        }
        return "<ol class=\"chips\">\(items)</ol>"
    }

    func mailStore() throws(WebhookError) -> any AsyncMailStore {
        guard let store = backend.mails else { throw .routeNotFound("this server does not send mail") }
        return store
    }

    func deliveryStore() throws(WebhookError) -> any AsyncDeliveryStore {
        guard let store = backend.deliveries else { throw .routeNotFound("this server does not deliver events") }
        return store
    }
}
