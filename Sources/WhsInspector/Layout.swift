import WebhookCore
import WhsSupport

/// The frame of every page, and the headers every page is sent with.
extension Inspector {
    /// Scripts and styles only from `/ui/assets` (no inline code, no `unsafe-inline`), the live
    /// stream and fetches to this origin only, frames only of this origin (the mail content
    /// route), and no framing of the inspector by another site.
    static let pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; "
        + "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

    static let pageHeaders: [(String, String)] = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Security-Policy", pageCSP),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("Cache-Control", "no-store"),
    ]

    /// A whole page. `nav` marks the current section; `live` names what the script refreshes
    /// when the stream says something changed ("" for nothing).
    func page(status: Int = 200, title: String, session: InspectorSessions.Session?, nav: String, live: String = "", liveFrom: String = "",
              attributes: HTML = "", body: HTML, headers: [(String, String)] = []) -> InspectorResponse {
        var top: HTML = ""
        if let session {
            let links: [HTML] = [("mails", "Mails"), ("deliveries", "Deliveries"), ("webhooks", "Webhooks"), ("templates", "Templates")].map { key, label in
                key == nav ? "<a href=\"/ui/\(key)\" aria-current=\"page\">\(label)</a>" : "<a href=\"/ui/\(key)\">\(label)</a>"
            }
            top = """
                <header class="top"><a class="brand" href="/ui/mails">whs</a><nav aria-label="Sections">\(links)</nav>\
                <span class="who" title="account \(session.account)">\(session.apiUser)</span>\
                <form method="post" action="/ui/sign-out" class="sign-out"><input type="hidden" name="csrf" value="\(session.csrf)">\
                <button type="submit">Sign out</button></form></header>
                """
        }
        let document: HTML = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light dark"><title>\(title) · whs inspector</title>
            <link rel="stylesheet" href="/ui/assets/inspector.css"><script src="/ui/assets/inspector.js" defer></script></head>
            <body data-live="\(live)" data-live-from="\(liveFrom)"\(attributes)><a class="skip" href="#main">Skip to content</a>\(top)
            <main id="main" tabindex="-1">\(body)</main>
            <p id="live-status" class="live-status" role="status" aria-live="polite"></p></body></html>
            """
        return InspectorResponse(status: status, headers: Inspector.pageHeaders + headers, body: .bytes(Array(document.text.utf8)))
    }

    /// A time as the pages show it: `2026-12-01 17:10:04Z`, in UTC like the API.
    static func time(_ seconds: Double) -> String {
        let iso = Clock.iso8601(seconds)
        var text = iso.replacingFirst("T", with: " ")
        if let dot = text.firstIndex(of: "."), let zone = text.lastIndex(of: "Z") { text.removeSubrange(dot..<zone) }
        return text
    }

    /// A select of the event names, `chosen` selected, with a first option for any.
    static func eventOptions(_ chosen: String?, any: String) -> HTML {
        let options: [HTML] = EventType.all.map { event in
            "<option value=\"\(event.name)\"\(event.name == chosen ? " selected" : "")>\(event.name)</option>"
        }
        return "<option value=\"\">\(any)</option>\(options)"
    }

    /// The attributes of a field that was refused: marked invalid, described by its error.
    static func invalid(_ message: String?, error id: String) -> HTML {
        message == nil ? "" : " aria-invalid=\"true\" aria-describedby=\"\(id)\""
    }

    /// An error beside a field, tied to it for screen readers; nothing when there is none.
    static func fieldError(_ message: String?, id: String) -> HTML {
        guard let message else { return "" }
        return "<span class=\"field-error\" id=\"\(id)\" role=\"alert\">\(message)</span>"
    }
}

extension String {
    func replacingFirst(_ target: Character, with replacement: String) -> String {
        guard let index = firstIndex(of: target) else { return self }
        return String(self[..<index]) + replacement + String(self[index...].dropFirst())
    }
}
