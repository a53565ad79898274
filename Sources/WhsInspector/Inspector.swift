import WebhookCore
import WhsSupport

/// The web inspector of `whs serve` (docs/INSPECTOR.md): pages under `/ui` that show one
/// account's mails, their timelines and pushes, its deliveries, webhooks and templates, live.
/// It reads and writes through `InspectorBackend` (the store protocols the API's routes use)
/// and answers `InspectorRequest`s, so it knows nothing of the HTTP server it is mounted on.
public final class Inspector: Sendable {
    public struct Options: Sendable {
        /// Peers whose `X-Forwarded-Proto: https` is believed (`--trust-proxy`): the session
        /// cookie is then `Secure`.
        public var trustedProxies: [String]

        public init(trustedProxies: [String] = []) { self.trustedProxies = trustedProxies }
    }

    let backend: any InspectorBackend
    let options: Options
    let sessions = InspectorSessions()
    static let prefix = "/ui"
    static let cookieName = "whs_session"

    public init(backend: any InspectorBackend, options: Options = Options()) {
        self.backend = backend
        self.options = options
    }

    /// True for the paths the inspector answers: `/ui` and everything under it.
    public static func handles(path: String) -> Bool { path == prefix || path.hasPrefix(prefix + "/") }

    /// Every request under `/ui`. Never throws: a failure is a page that says what went wrong.
    public func respond(to request: InspectorRequest) async -> InspectorResponse {
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true).dropFirst().map(String.init)
        let method = request.method.uppercased()
        if parts.first == "assets" { return asset(parts.dropFirst().first ?? "") }
        if parts == ["sign-in"] {
            return method == "POST" ? await signIn(request) : signInPage(request, error: nil, apiUser: "")
        }
        guard let (id, session) = signedIn(request) else {
            if parts == ["live"] { return plain(401, "Sign in first.") }
            if method != "GET" { return redirect("/ui/sign-in") }
            let next = request.path + (request.query.map { "?" + $0 } ?? "")
            return redirect("/ui/sign-in?" + FormValues.query([("next", next)]))
        }
        var form = FormValues(nil)
        if method == "POST" {
            form = FormValues(body: request.body)
            guard sameOrigin(request), let token = form["csrf"], InspectorSessions.same(token, session.csrf) else {
                return page(status: 403, title: "Refused", session: session, nav: "", body: """
                    <h1>Refused</h1><p>This form is out of date or came from another site. Go back, reload the page and try again.</p>
                    """)
            }
        } else if method != "GET" && method != "HEAD" {
            return plain(405, "Only GET and POST are answered here.", headers: [("Allow", "GET, POST")])
        }
        let context = Context(request: request, session: session, sessionID: id, form: form)
        do {
            return try await route(parts, method: method, context)
        } catch {
            return failurePage(error, context)
        }
    }

    /// What one request needs: who it is from and what it sent.
    struct Context {
        let request: InspectorRequest
        let session: InspectorSessions.Session
        let sessionID: String
        let form: FormValues
        var query: FormValues { FormValues(request.query) }
        var account: String { session.account }
    }

    func route(_ parts: [String], method: String, _ c: Context) async throws(WebhookError) -> InspectorResponse {
        switch (parts.count, method) {
        case (0, _): return redirect("/ui/mails")
        case (1, "GET") where parts[0] == "mails": return try await mailsPage(c)
        case (2, "GET") where parts[0] == "mails": return try await mailPage(c, id: try Self.id(parts[1], "mail"))
        case (3, "GET") where parts[0] == "mails" && parts[2] == "content": return try await mailContent(c, id: try Self.id(parts[1], "mail"))
        case (1, "GET") where parts[0] == "deliveries": return try await deliveriesPage(c)
        case (3, "POST") where parts[0] == "deliveries" && parts[2] == "redeliver": return try await redeliver(c, id: try Self.id(parts[1], "delivery"))
        case (1, _) where parts[0] == "webhooks": return try await method == "POST" ? addWebhook(c) : webhooksPage(c, errors: [:])
        case (2, "POST") where parts[0] == "webhooks": return try await changeWebhook(c, id: try Self.id(parts[1], "webhook"))
        case (3, "POST") where parts[0] == "webhooks" && parts[2] == "delete": return try await deleteWebhook(c, id: try Self.id(parts[1], "webhook"))
        case (1, _) where parts[0] == "templates": return try await method == "POST" ? putTemplate(c) : templatesPage(c, errors: [:])
        case (3, "POST") where parts[0] == "templates" && parts[2] == "delete":
            return try await deleteTemplate(c, name: FormValues.decode(Substring(parts[1])) ?? parts[1])
        case (1, "POST") where parts[0] == "sign-out":
            sessions.end(c.sessionID)
            return redirect("/ui/sign-in", headers: [("Set-Cookie", cookie("", request: c.request, maxAge: 0))])
        case (1, "GET") where parts[0] == "live": return live(c)
        default: throw .routeNotFound(c.request.path)
        }
    }

    /// Where the activity log ends now, read before a live page reads what it shows: its
    /// stream starts there, so a change made while the page was on its way is not missed.
    func liveFrom() async -> String {
        guard let log = backend.activity, let end = try? await log.activityEnd() else { return "" }
        return end.description
    }

    static func id(_ segment: String, _ what: String) throws(WebhookError) -> Int {
        guard let id = Int(segment), id > 0 else { throw .routeNotFound("\(what) \(segment)") }
        return id
    }

    // MARK: sessions

    /// The session the request's cookie names, if it is live.
    func signedIn(_ request: InspectorRequest) -> (String, InspectorSessions.Session)? {
        for (name, value) in request.headers where name.lowercased() == "cookie" {
            for item in value.split(separator: ";") {
                let pair = item.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, pair[0].trimmingSpaces == Inspector.cookieName else { continue }
                let id = String(pair[1].trimmingSpaces)
                if let session = sessions.session(id) { return (id, session) }
            }
        }
        return nil
    }

    /// The session cookie: `HttpOnly` and `SameSite=Strict` always, `Secure` when the browser
    /// spoke https to a proxy this node trusts; scoped to `/ui`.
    func cookie(_ value: String, request: InspectorRequest, maxAge: Int? = nil) -> String {
        var text = "\(Inspector.cookieName)=\(value); Path=/ui; HttpOnly; SameSite=Strict"
        if let maxAge { text += "; Max-Age=\(maxAge)" }
        if overHTTPS(request) { text += "; Secure" }
        return text
    }

    /// True when a trusted proxy says the browser used https.
    func overHTTPS(_ request: InspectorRequest) -> Bool {
        guard options.trustedProxies.contains(request.peer) else { return false }
        return request.header("X-Forwarded-Proto")?.lowercased() == "https"
    }

    /// A POST from the inspector's own pages: refused when the browser says it came from
    /// another site (`Sec-Fetch-Site`, which every current browser sends), or when its `Origin`
    /// names another host than the request's.
    func sameOrigin(_ request: InspectorRequest) -> Bool {
        if let site = request.header("Sec-Fetch-Site")?.lowercased(), site != "same-origin", site != "none" { return false }
        guard let origin = request.header("Origin") else { return true }
        guard origin != "null" else { return false }
        let trusted = options.trustedProxies.contains(request.peer)
        guard let host = (trusted ? request.header("X-Forwarded-Host") : nil) ?? request.header("Host") else { return true }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }

    // MARK: answers

    func redirect(_ location: String, headers: [(String, String)] = []) -> InspectorResponse {
        InspectorResponse(status: 303, headers: [("Location", location), ("Cache-Control", "no-store")] + headers, body: .bytes([]))
    }

    func plain(_ status: Int, _ text: String, headers: [(String, String)] = []) -> InspectorResponse {
        InspectorResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")] + headers,
                          body: .bytes(Array((text + "\n").utf8)))
    }

    /// The page for an error: 404 for what the account does not have (another account's mail
    /// included: it is not told apart from one that does not exist).
    func failurePage(_ error: WebhookError, _ c: Context) -> InspectorResponse {
        let status = error.httpStatus
        let title = status == 404 ? "Not found" : "Error \(status)"
        return page(status: status, title: title, session: c.session, nav: "", body: "<h1>\(title)</h1><p class=\"error\">\(error.message)</p>")
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }
}

extension Inspector {
    /// `/ui/assets/NAME`: the embedded stylesheet and script, cached for an hour.
    func asset(_ name: String) -> InspectorResponse {
        guard let file = InspectorAssets.files.first(where: { $0.name == name }) else { return plain(404, "No such asset.") }
        return InspectorResponse(status: 200, headers: [("Content-Type", file.type), ("Cache-Control", "max-age=3600"), ("X-Content-Type-Options", "nosniff")],
                                 body: .bytes(Array(file.text.utf8)))
    }
}
