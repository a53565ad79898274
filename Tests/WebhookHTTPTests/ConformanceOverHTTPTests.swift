import Testing
import WebhookCore
import WebhookHTTP
import WhsTestSupport

/// The API.md rules, the same cases as the stores, through the remote client talking to a
/// live `whs serve` on a loopback port.
@Suite struct ConformanceOverHTTPTests {
    @Test(arguments: ConformanceCase.all)
    func remoteClient(_ rule: ConformanceCase) async throws {
        // Account a: a-main (the one the client uses), alice and bob; account b: b-main.
        let server = try await LiveServer.start(users: ["a:a-main:ka", "a:alice:kalice", "a:bob:kbob", "b:b-main:kb"])
        try rule.run { account, _ in
            try RemoteService(baseURL: server.baseURL, apiUser: "\(account)-main", apiKey: "k\(account)")
        }
    }
}
