import Foundation
import Testing
import WebhookCore
import WebhookStore
import WhsInspector
import WhsSupport

/// The inspector without a server or a browser: requests in, pages out, on a memory store.
@Suite struct InspectorTests {
    /// The store's parts, as the server gives them; no dispatcher (nothing is pushed).
    struct Backend: InspectorBackend {
        let store: MemoryStore
        func authenticate(apiUser: String, apiKey: String) async throws(WebhookError) -> String {
            try store.authenticate(apiUser: apiUser, apiKey: apiKey)
        }
        func webhooks(account: String) async throws(WebhookError) -> any AsyncWebhookService { store.webhooks(account: account) }
        var mails: (any AsyncMailStore)? { store }
        var deliveries: (any AsyncDeliveryStore)? { store }
        var activity: (any AsyncActivityLog)? { nil }
        func redeliver(account: String, id: Int) async throws(WebhookError) -> Delivery { throw .deliveryNotFound(id: id) }
        func putTemplate(account: String, name: String, subject: String, html: String, text: String) async throws(WebhookError) -> MailTemplate {
            try store.putTemplate(account: account, try MailTemplate.validated(name: name, subject: subject, html: html, text: text, at: 1))
        }
        func sentHeaders(account: String, delivery: Delivery, attempt: DeliveryAttempt) async -> SentHeaders {
            SentHeaders(headers: [], verdict: "unchecked", verifies: false)
        }
        func waitForActivity(seconds: Double) async {}
        var isStopping: Bool { false }
    }

    let store = MemoryStore()
    let inspector: Inspector

    init() throws {
        try store.grant(UserGrant(account: "acme", apiUser: "alice", apiKey: "alice-key"))
        try store.grant(UserGrant(account: "other", apiUser: "olga", apiKey: "olga-key"))
        inspector = Inspector(backend: Backend(store: store), options: Inspector.Options(trustedProxies: ["10.0.0.1"]))
    }

    func request(_ method: String, _ target: String, cookie: String? = nil, form: String = "", headers: [(String, String)] = [],
                 peer: String = "127.0.0.1") async -> InspectorResponse {
        let parts = target.split(separator: "?", maxSplits: 1).map(String.init)
        let all = headers + (cookie.map { [("Cookie", "whs_session=\($0)")] } ?? [])
        return await inspector.respond(to: InspectorRequest(method: method, path: parts[0], query: parts.count > 1 ? parts[1] : nil,
                                                            headers: all, body: Array(form.utf8), peer: peer))
    }

    func header(_ response: InspectorResponse, _ name: String) -> String? { response.headers.first { $0.0 == name }?.1 }
    func text(_ response: InspectorResponse) -> String { String(decoding: response.bytes, as: UTF8.self) }

    func signIn(_ user: String, headers: [(String, String)] = [], peer: String = "127.0.0.1") async throws -> String {
        let answer = await request("POST", "/ui/sign-in", form: "api_user=\(user)&api_key=\(user)-key", headers: headers, peer: peer)
        #expect(answer.status == 303)
        let cookie = try #require(header(answer, "Set-Cookie"))
        return String(cookie.split(separator: ";")[0].dropFirst("whs_session=".count))
    }

    func send(_ account: String, subject: String, html: String = "<p>x</p>", extra: JSON? = nil) throws -> Int {
        let header = MailHeader(messageID: "m-\(subject.count)", emailID: "e-\(account)-\(subject.count)", taskID: 1, apiUser: "", from: "s@example.com",
                                to: "r@example.com", address: "r@example.com", subject: subject, customArgs: .object([]), labelID: nil, labelName: nil, template: nil)
        _ = try store.recordSend(PlannedSend(account: account, apiUser: "", requestID: nil, answer: .object([]),
                                             mails: [PlannedMail(header: header, html: html, text: "t", events: [], extra: extra)], created: 1), repeatsSince: 0)
        return try store.mails(account: account, MailQuery()).last!.id
    }

    @Test func signedOutPagesGoToSignInAndTheCookieHasItsFlags() async throws {
        let answer = await request("GET", "/ui/mails?subject=x")
        #expect(answer.status == 303)
        #expect(header(answer, "Location") == "/ui/sign-in?next=%2Fui%2Fmails%3Fsubject%3Dx")
        let wrong = await request("POST", "/ui/sign-in", form: "api_user=alice&api_key=nope")
        #expect(wrong.status == 401 && text(wrong).contains("That API_USER and key do not sign in."))
        let plain = await request("POST", "/ui/sign-in", form: "api_user=alice&api_key=alice-key&next=%2F%2Fevil.example")
        #expect(header(plain, "Location") == "/ui/mails", "a next that leaves the inspector is ignored")
        #expect(header(plain, "Set-Cookie")!.hasSuffix("; Path=/ui; HttpOnly; SameSite=Strict"))
        let proxied = await request("POST", "/ui/sign-in", form: "api_user=alice&api_key=alice-key", headers: [("X-Forwarded-Proto", "https")], peer: "10.0.0.1")
        #expect(header(proxied, "Set-Cookie")!.hasSuffix("; Secure"))
        let spoofed = await request("POST", "/ui/sign-in", form: "api_user=alice&api_key=alice-key", headers: [("X-Forwarded-Proto", "https")])
        #expect(!header(spoofed, "Set-Cookie")!.contains("Secure"))
    }

    @Test func markupIsEscapedAndAnotherAccountsMailIsNotFound() async throws {
        let id = try send("acme", subject: #"<img src=x onerror="alert(1)">&'"#, html: "<script>alert(2)</script>")
        let session = try await signIn("alice")
        let list = text(await request("GET", "/ui/mails", cookie: session))
        #expect(list.contains("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;"))
        #expect(!list.contains("<img src=x"))
        let page = await request("GET", "/ui/mails/\(id)", cookie: session)
        #expect(page.status == 200 && !text(page).contains("<script>alert(2)"))
        #expect(header(page, "Content-Security-Policy")!.contains("script-src 'self'"))
        #expect(!header(page, "Content-Security-Policy")!.contains("unsafe-inline"))
        let content = await request("GET", "/ui/mails/\(id)/content", cookie: session)
        #expect(text(content) == "<script>alert(2)</script>")
        #expect(header(content, "Content-Security-Policy")!.hasPrefix("default-src 'none'; style-src 'unsafe-inline'; img-src data:"))
        let theirs = try await signIn("olga")
        #expect(await request("GET", "/ui/mails/\(id)", cookie: theirs).status == 404)
        #expect(await request("GET", "/ui/mails/\(id)/content", cookie: theirs).status == 404)
    }

    @Test func theMIMESourceAndTheCalendarAreShownAsText() async throws {
        let mime = try send("acme", subject: "mime", extra: .object([("mime", .string("Subject: hi\r\n\r\n<script>alert(3)</script>"))]))
        let calendar = try send("acme", subject: "calendar!", extra: .object([("calendar", .object([("summary", .string("<b>Standup</b>"))]))]))
        let session = try await signIn("alice")
        let source = text(await request("GET", "/ui/mails/\(mime)", cookie: session))
        #expect(source.contains("<summary>MIME source</summary><pre>Subject: hi\r\n\r\n&lt;script&gt;alert(3)&lt;/script&gt;</pre>"))
        let invitation = text(await request("GET", "/ui/mails/\(calendar)", cookie: session))
        #expect(invitation.contains("<summary>Calendar</summary><pre>{\n  &quot;summary&quot;: &quot;&lt;b&gt;Standup&lt;/b&gt;&quot;\n}</pre>"))
    }

    @Test func formsNeedTheSessionsTokenAndSignOutEndsTheSession() async throws {
        let session = try await signIn("alice")
        let page = text(await request("GET", "/ui/webhooks", cookie: session))
        let token = try #require(page.firstMatch(of: /name="csrf" value="([0-9a-f]{64})"/)?.1)
        #expect(await request("POST", "/ui/webhooks", cookie: session, form: "url=https%3A%2F%2Fa.example%2Fh&events=open").status == 403)
        let crossSite = await request("POST", "/ui/webhooks", cookie: session, form: "csrf=\(token)&url=https%3A%2F%2Fa.example%2Fh&events=open",
                                      headers: [("Sec-Fetch-Site", "cross-site")])
        #expect(crossSite.status == 403)
        let added = await request("POST", "/ui/webhooks", cookie: session, form: "csrf=\(token)&url=https%3A%2F%2Fa.example%2Fh&events=open")
        #expect(added.status == 303)
        #expect(try store.account("acme").list(WebhookQuery()).webhooks.map(\.url) == ["https://a.example/h"])
        let refused = await request("POST", "/ui/webhooks", cookie: session, form: "csrf=\(token)&url=ftp%3A%2F%2Fx&events=open")
        #expect(refused.status == 400 && text(refused).contains(#"<span class="field-error" id="url-new-error" role="alert">url must be"#))
        let badEvent = await request("POST", "/ui/webhooks", cookie: session, form: "csrf=\(token)&url=https%3A%2F%2Fb.example%2Fh&events=opened")
        #expect(badEvent.status == 400 && text(badEvent).contains(#"id="events-new-error" role="alert">unknown event &quot;opened&quot;"#))
        #expect(text(badEvent).contains(#"value="https://b.example/h""#), "the form comes back as it was sent")
        #expect(await request("POST", "/ui/sign-out", cookie: session, form: "csrf=\(token)").status == 303)
        #expect(header(await request("GET", "/ui/mails", cookie: session), "Location")?.hasPrefix("/ui/sign-in") == true)
    }

    @Test func theEmbeddedAssetsAreTheFilesInTheRepository() async throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources/WhsInspector/Assets")
        for name in ["inspector.css", "inspector.js"] {
            let answer = await request("GET", "/ui/assets/\(name)")
            let onDisk = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            #expect(text(answer) == onDisk, "\(name) differs from the embedded copy: run scripts/embed-inspector")
        }
    }
}
