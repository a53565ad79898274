import WebhookCore

/// The webhooks page: list, add, change and delete, each refusal shown beside its field in the
/// API's own words.
extension Inspector {
    /// A refused form: which form (`new` or a webhook's id), the values sent, and the message
    /// by field (`url`, `events`, `api_user`, or `form` for the rest).
    struct FormErrors {
        var form = ""
        var values = FormValues(nil)
        var messages: [String: String] = [:]
    }

    func webhooksPage(_ c: Context, errors: [String: String], refused: FormErrors = FormErrors(), status: Int = 200) async throws(WebhookError) -> InspectorResponse {
        let hooks = try await backend.webhooks(account: c.account).list(WebhookQuery()).webhooks
        let forms: [HTML] = hooks.map { hook in
            let mine = refused.form == String(hook.id)
            return webhookForm(c, key: String(hook.id), action: "/ui/webhooks/\(hook.id)", button: "Save",
                               url: mine ? refused.values["url"] ?? "" : hook.url, apiUser: mine ? refused.values["api_user"] ?? "" : hook.apiUser,
                               events: mine ? Set(refused.values.all("events")) : Set(hook.events.events.map(\.name)),
                               errors: mine ? refused.messages : [:], delete: hook.id)
        }
        let isNew = refused.form == "new"
        let add = webhookForm(c, key: "new", action: "/ui/webhooks", button: "Add webhook", url: isNew ? refused.values["url"] ?? "" : "",
                              apiUser: isNew ? refused.values["api_user"] ?? "" : "",
                              events: isNew ? Set(refused.values.all("events")) : Set(EventType.all.map(\.name)), errors: isNew ? refused.messages : [:], delete: nil)
        return page(status: status, title: "Webhooks", session: c.session, nav: "webhooks", body: """
            <h1>Webhooks</h1>\(hooks.isEmpty ? "<p class=\"empty\">No webhook yet.</p>" : HTML(joining: forms))
            <h2>Add a webhook</h2>\(add)
            """)
    }

    func webhookForm(_ c: Context, key: String, action: String, button: String, url: String, apiUser: String, events: Set<String>,
                     errors: [String: String], delete: Int?) -> HTML {
        let boxes: [HTML] = EventType.all.map { event in
            """
            <label class="check"><input type="checkbox" name="events" value="\(event.name)"\(events.contains(event.name) ? " checked" : "")> \(event.name)</label>
            """
        }
        let deleteForm: HTML = delete.map { id in
            """
            <form method="post" action="/ui/webhooks/\(id)/delete" class="inline delete"><input type="hidden" name="csrf" value="\(c.session.csrf)">\
            <button type="submit" class="danger">Delete webhook \(id)</button></form>
            """
        } ?? ""
        let title: HTML = delete.map { "<h2 class=\"card-title\">Webhook \($0)</h2>" } ?? ""
        return """
            <div class="card" id="webhook-\(key)">\(title)<form method="post" action="\(action)" class="webhook" novalidate>\
            <input type="hidden" name="csrf" value="\(c.session.csrf)">\
            <label for="url-\(key)">URL</label><input id="url-\(key)" name="url" value="\(url)" inputmode="url"\
            \(Inspector.invalid(errors["url"], error: "url-\(key)-error"))>\
            \(Inspector.fieldError(errors["url"], id: "url-\(key)-error"))\
            <label for="api-user-\(key)">API_USER <span class="muted">(empty: every API_USER)</span></label>\
            <input id="api-user-\(key)" name="api_user" value="\(apiUser)"\(Inspector.invalid(errors["api_user"], error: "api-user-\(key)-error"))>\
            \(Inspector.fieldError(errors["api_user"], id: "api-user-\(key)-error"))\
            <fieldset><legend>Events</legend>\(boxes)\(Inspector.fieldError(errors["events"], id: "events-\(key)-error"))</fieldset>\
            \(Inspector.fieldError(errors["form"], id: "form-\(key)-error"))<button type="submit">\(button)</button></form>\(deleteForm)</div>
            """
    }

    func addWebhook(_ c: Context) async throws(WebhookError) -> InspectorResponse {
        let service = try await backend.webhooks(account: c.account)
        do {
            let draft = try WebhookDraft.validated(url: c.form["url"] ?? "", apiUser: c.form["api_user"] ?? "", events: Inspector.events(c.form))
            let hook = try await service.add(draft)
            return redirect("/ui/webhooks#webhook-\(hook.id)")
        } catch {
            return try await refusedWebhook(c, form: "new", error)
        }
    }

    func changeWebhook(_ c: Context, id: Int) async throws(WebhookError) -> InspectorResponse {
        let service = try await backend.webhooks(account: c.account)
        do {
            let patch = try WebhookPatch.validated(url: c.form["url"] ?? "", apiUser: c.form["api_user"] ?? "", events: Inspector.events(c.form))
            _ = try await service.modify(id: id, patch)
            return redirect("/ui/webhooks#webhook-\(id)")
        } catch {
            return try await refusedWebhook(c, form: String(id), error)
        }
    }

    func deleteWebhook(_ c: Context, id: Int) async throws(WebhookError) -> InspectorResponse {
        _ = try await backend.webhooks(account: c.account).delete(id: id)
        return redirect("/ui/webhooks")
    }

    /// The checked events; none checked is an empty list, which the API refuses in its words.
    static func events(_ form: FormValues) -> [EventInput] { form.all("events").map { .name($0) } }

    /// The page again with the form as sent and the API's message beside the field it names.
    func refusedWebhook(_ c: Context, form: String, _ error: WebhookError) async throws(WebhookError) -> InspectorResponse {
        guard error.httpStatus == 400 || error.httpStatus == 409 || error.httpStatus == 403 else { throw error }
        let message = error.message
        let field = ["url", "api_user", "events", "event"].first { message.hasPrefix($0) || message.contains("\($0) ") }
            ?? (error.httpStatus == 403 ? "api_user" : (error.httpStatus == 409 ? "url" : "form"))
        return try await webhooksPage(c, errors: [:], refused: FormErrors(form: form, values: c.form, messages: [field == "event" ? "events" : field: message]),
                                      status: error.httpStatus)
    }
}
