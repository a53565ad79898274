import WebhookCore

/// The templates page: list, add or change (by name), delete; refusals beside their field.
extension Inspector {
    func templatesPage(_ c: Context, errors: [String: String], refused: FormErrors = FormErrors(), status: Int = 200) async throws(WebhookError) -> InspectorResponse {
        let templates = try await mailStore().templates(account: c.account)
        let cards: [HTML] = templates.map { template in
            let mine = refused.form == template.name
            return templateForm(c, key: "t-\(template.id)", name: template.name, fixedName: true,
                                subject: mine ? refused.values["subject"] ?? "" : template.subject, html: mine ? refused.values["html"] ?? "" : template.html,
                                text: mine ? refused.values["text"] ?? "" : template.text, errors: mine ? refused.messages : [:])
        }
        let isNew = refused.form == "new"
        let add = templateForm(c, key: "new", name: isNew ? refused.values["name"] ?? "" : "", fixedName: false, subject: isNew ? refused.values["subject"] ?? "" : "",
                               html: isNew ? refused.values["html"] ?? "" : "", text: isNew ? refused.values["text"] ?? "" : "", errors: isNew ? refused.messages : [:])
        return page(status: status, title: "Templates", session: c.session, nav: "templates", body: """
            <h1>Templates</h1>\(templates.isEmpty ? "<p class=\"empty\">No template yet.</p>" : HTML(joining: cards))
            <h2>Add a template</h2>\(add)
            """)
    }

    func templateForm(_ c: Context, key: String, name: String, fixedName: Bool, subject: String, html: String, text: String, errors: [String: String]) -> HTML {
        let nameField: HTML = fixedName
            ? "<h2 class=\"card-title\">\(name)</h2><input type=\"hidden\" name=\"name\" value=\"\(name)\">"
            : """
              <label for="name-\(key)">Name</label><input id="name-\(key)" name="name" value="\(name)"\(Inspector.invalid(errors["name"], error: "name-\(key)-error"))>\
              \(Inspector.fieldError(errors["name"], id: "name-\(key)-error"))
              """
        let deleteForm: HTML = fixedName ? """
            <form method="post" action="/ui/templates/\(FormValues.encode(name))/delete" class="inline delete"><input type="hidden" name="csrf" value="\(c.session.csrf)">\
            <button type="submit" class="danger">Delete \(name)</button></form>
            """ : ""
        return """
            <div class="card" id="template-\(key)"><form method="post" action="/ui/templates" class="template" novalidate>\
            <input type="hidden" name="csrf" value="\(c.session.csrf)"><input type="hidden" name="form" value="\(fixedName ? name : "new")">\(nameField)\
            <label for="subject-\(key)">Subject</label><input id="subject-\(key)" name="subject" value="\(subject)">\
            \(Inspector.fieldError(errors["subject"], id: "subject-\(key)-error"))\
            <label for="html-\(key)">HTML</label><textarea id="html-\(key)" name="html" rows="5">\(html)</textarea>\
            \(Inspector.fieldError(errors["html"], id: "html-\(key)-error"))\
            <label for="text-\(key)">Text</label><textarea id="text-\(key)" name="text" rows="3">\(text)</textarea>\
            \(Inspector.fieldError(errors["text"], id: "text-\(key)-error"))\(Inspector.fieldError(errors["form"], id: "form-\(key)-error"))\
            <button type="submit">\(fixedName ? "Save" : "Add template")</button></form>\(deleteForm)</div>
            """
    }

    func putTemplate(_ c: Context) async throws(WebhookError) -> InspectorResponse {
        let name = c.form["name"] ?? ""
        do {
            _ = try await backend.putTemplate(account: c.account, name: name, subject: c.form["subject"] ?? "", html: c.form["html"] ?? "",
                                              text: c.form["text"] ?? "")
            return redirect("/ui/templates")
        } catch {
            guard error.httpStatus == 400 else { throw error }
            let message = error.message
            let field = message.contains("html or text") ? "html"
                : ["name", "subject", "html", "text"].first { message.hasPrefix($0) || message.hasPrefix("a template \($0)") } ?? "form"
            return try await templatesPage(c, errors: [:], refused: FormErrors(form: c.form["form"] ?? "new", values: c.form, messages: [field: message]),
                                           status: 400)
        }
    }

    func deleteTemplate(_ c: Context, name: String) async throws(WebhookError) -> InspectorResponse {
        _ = try await mailStore().deleteTemplate(account: c.account, name: name)
        return redirect("/ui/templates")
    }
}

extension MailTemplate {
    /// A name as an HTML id: its bytes in hex, so that any name gives a valid, unique id.
    var id: String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: name.utf8.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
    }
}
