import WebhookCore

/// The deliveries page: every push of the account, filtered by state, event and webhook,
/// failing ones first on request, a page at a time.
extension Inspector {
    static let deliveriesPerPage = 100

    func deliveriesPage(_ c: Context) async throws(WebhookError) -> InspectorResponse {
        let store = try deliveryStore()
        let from = await liveFrom()
        let q = c.query
        let failingFirst = q["failing_first"] == "1" || q["failing_first"] == "true"
        let query = try DeliveryQuery.validated(webhookID: q.integer("webhook"), state: q.nonEmpty("state"), messageID: q.nonEmpty("message_id"),
                                                event: q.nonEmpty("event"), before: q.integer("before"), failingFirst: failingFirst ? "true" : nil,
                                                limit: Inspector.deliveriesPerPage)
        let found = try await store.deliveries(account: c.account, query)
        // Newest first; failing first keeps its groups, each newest first.
        let listed = failingFirst ? found.filter(DeliveryQuery.isFailing).reversed() + found.filter { !DeliveryQuery.isFailing($0) }.reversed()
            : Array(found.reversed())
        let webhooks = (try? await backend.webhooks(account: c.account).list(WebhookQuery()).webhooks) ?? []
        let rows: [HTML] = listed.map { d in
            let last = d.attempts.last
            let status: HTML = last?.status.map { "\($0)" } ?? (last == nil ? "" : "none")
            return """
                <tr data-row="delivery-\(d.id)"><td class="num" data-label="Delivery">\(d.id)</td><td class="when" data-label="Created">\(Inspector.time(d.created))</td>\
                <td data-label="Event"><span class="ev ev-\(d.event.name)">\(d.event.name)</span></td>\
                <td class="num" data-label="Webhook">\(d.webhookID)</td><td class="url" data-label="URL">\(d.url)</td>\
                <td data-label="State"><span class="state state-\(d.state.rawValue)">\(d.state.rawValue)</span>\(d.fault.map { " (\($0.rawValue))" } ?? "")</td>\
                <td class="num" data-label="Attempts">\(d.attempts.count)</td><td class="num" data-label="Last status">\(status)</td>\
                <td data-label="Last error">\(last?.error ?? "")</td>\
                <td><a href="/ui/mails?\(FormValues.query([("message_id", d.messageID)]))">mail</a></td></tr>
                """
        }
        let webhookOptions: [HTML] = webhooks.map { hook in
            "<option value=\"\(hook.id)\"\(query.webhookID == hook.id ? " selected" : "")>\(hook.id): \(hook.url)</option>"
        }
        let stateOptions: [HTML] = DeliveryState.allCases.map { state in
            "<option value=\"\(state.rawValue)\"\(query.state == state ? " selected" : "")>\(state.rawValue)</option>"
        }
        let filters: [(String, String?)] = [("state", q.nonEmpty("state")), ("event", q.nonEmpty("event")), ("webhook", q.nonEmpty("webhook")),
                                             ("message_id", q.nonEmpty("message_id")), ("failing_first", failingFirst ? "1" : nil)]
        var pager: [HTML] = []
        if query.before != nil { pager.append("<a href=\"/ui/deliveries?\(FormValues.query(filters))\">Newest</a>") }
        if !failingFirst, found.count == Inspector.deliveriesPerPage, let oldest = found.first?.id {
            pager.append("<a href=\"/ui/deliveries?\(FormValues.query(filters + [("before", String(oldest))]))\" rel=\"next\">Older</a>")
        }
        let table: HTML = listed.isEmpty ? "<p class=\"empty\">No delivery matches.</p>" : """
            <table class="list deliveries"><thead><tr><th scope="col">Id</th><th scope="col">Created</th><th scope="col">Event</th>\
            <th scope="col">Webhook</th><th scope="col">URL</th><th scope="col">State</th><th scope="col">Attempts</th>\
            <th scope="col">Last status</th><th scope="col">Last error</th><th scope="col">Mail</th></tr></thead><tbody>\(rows)</tbody></table>
            """
        return page(title: "Deliveries", session: c.session, nav: "deliveries", live: query.before == nil ? "deliveries" : "", liveFrom: from, body: """
            <h1>Deliveries</h1>
            <form method="get" action="/ui/deliveries" class="filters">
            <label>State <select name="state"><option value="">any</option>\(stateOptions)</select></label>
            <label>Event <select name="event">\(Inspector.eventOptions(q.nonEmpty("event"), any: "any"))</select></label>
            <label>Webhook <select name="webhook"><option value="">any</option>\(webhookOptions)</select></label>
            <label class="check"><input type="checkbox" name="failing_first" value="1"\(failingFirst ? " checked" : "")> Failing first</label>
            <button type="submit">Filter</button></form>
            <div id="live-region">\(table)<nav class="pager" aria-label="Pages">\(pager)</nav></div>
            """)
    }
}
