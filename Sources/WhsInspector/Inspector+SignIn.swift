import WebhookCore

/// Signing in with an API_USER and key of an account, as the API authenticates them.
extension Inspector {
    func signInPage(_ request: InspectorRequest, error: String?, apiUser: String, status: Int = 200) -> InspectorResponse {
        let next = Inspector.safeNext(FormValues(request.query)["next"] ?? FormValues(body: request.body)["next"])
        let message: HTML = error.map { "<p class=\"error\" role=\"alert\" id=\"sign-in-error\">\($0)</p>" } ?? ""
        return page(status: status, title: "Sign in", session: nil, nav: "", body: """
            <section class="sign-in"><h1>whs inspector</h1><p>Sign in with an API_USER of the account and its API key.</p>\(message)
            <form method="post" action="/ui/sign-in"><input type="hidden" name="next" value="\(next)">
            <label for="api_user">API_USER</label><input id="api_user" name="api_user" value="\(apiUser)" autocomplete="username" required autofocus>
            <label for="api_key">API key</label><input id="api_key" name="api_key" type="password" autocomplete="current-password" required>
            <button type="submit">Sign in</button></form></section>
            """)
    }

    /// Checks the pair the way the API does and starts a session. A wrong pair is refused with
    /// one message, whichever part was wrong.
    func signIn(_ request: InspectorRequest) async -> InspectorResponse {
        let form = FormValues(body: request.body)
        let apiUser = form["api_user"] ?? ""
        guard sameOrigin(request) else { return plain(403, "This form came from another site.") }
        let account: String
        do {
            account = try await backend.authenticate(apiUser: apiUser, apiKey: form["api_key"] ?? "")
        } catch {
            let wrong = error == .authenticationFailed
            return signInPage(request, error: wrong ? "That API_USER and key do not sign in." : error.message, apiUser: apiUser, status: wrong ? 401 : error.httpStatus)
        }
        let (id, _) = sessions.start(account: account, apiUser: apiUser)
        return redirect(Inspector.safeNext(form["next"]), headers: [("Set-Cookie", cookie(id, request: request))])
    }

    /// Where to go after signing in: a path of the inspector, never another site.
    static func safeNext(_ given: String?) -> String {
        guard let given, given.hasPrefix("/ui/") || given == "/ui", !given.hasPrefix("//"), !given.contains("\\"),
              !given.unicodeScalars.contains(where: { $0.value < 0x20 }) else { return "/ui/mails" }
        return given
    }
}
