import Foundation
import Testing
import WebhookCore
import WhsTestSupport

/// The server as the API page's readers meet it: its own curl examples, with only the host
/// changed, against a live `whs serve`.
@Suite(.serialized) struct PageExampleTests {
    static let auth = ["-H", "Content-Type: application/json; charset=utf-8", "-H", "Authorization:Basic YXBpX3VzZXI6YXBpX2tleQ=="]

    @Test func theFourExamplesOfThePage() async throws {
        let server = try await LiveServer.start()
        // Add: the page's body, with a URL that API.md accepts ("123456" is refused, below).
        let add = try await server.curl(["-X", "POST"] + PageExampleTests.auth + ["--data", #"{"url": "http://qxxx.com","api_user":"api_user", "event":[1,3]}"#], "/v1/webhooks")
        #expect(add.status == 200)
        #expect(add.body == #"{"result":[{"url":"http://qxxx.com","event":[1,3],"api_user":"api_user","id":1}]}"#)
        _ = try await server.curl(["-X", "POST"] + PageExampleTests.auth + ["--data", #"{"url": "http://second.example"}"#], "/v1/webhooks")
        // Query: GET with api_user, offset and limit.
        let query = try await server.curl(["-X", "GET"] + PageExampleTests.auth, "/v1/webhooks?api_user=api_user&offset=0&limit=1")
        #expect(query.status == 200)
        #expect(query.body == #"{"result":[{"url":"http://qxxx.com","event":[1,3],"api_user":"api_user","id":1}],"count":1,"total":1}"#)
        let all = try await server.curl(["-X", "GET"] + PageExampleTests.auth, "/v1/webhooks?offset=0&limit=1")
        #expect(all.body.hasSuffix(#""count":1,"total":2}"#))
        // Modify: the page uses POST.
        let modify = try await server.curl(["-X", "POST"] + PageExampleTests.auth + ["--data", #"{"url": "http://example2.com"}"#], "/v1/webhooks/1")
        #expect(modify.status == 200)
        #expect(modify.body == #"{"count":1}"#)
        let put = try await server.curl(["-X", "PUT"] + PageExampleTests.auth + ["--data", #"{"event": [11]}"#], "/v1/webhooks/1")
        #expect(put.body == #"{"count":1}"#)
        let modified = try await server.curl(PageExampleTests.auth, "/v1/webhooks?limit=1")
        #expect(modified.body.hasPrefix(#"{"result":[{"url":"http://example2.com","event":[11],"api_user":"api_user","id":1}]"#))
        // Delete, with and without /v1 (the page's URL lacks it).
        let delete = try await server.curl(["-X", "DELETE"] + PageExampleTests.auth, "/v1/webhooks/1")
        #expect(delete.body == #"{"count":1}"#)
        let again = try await server.curl(["-X", "DELETE"] + PageExampleTests.auth, "/webhooks/1")
        #expect(again.status == 200 && again.body == #"{"count":0}"#)
        let other = try await server.curl(["-X", "DELETE"] + PageExampleTests.auth, "/webhooks/2")
        #expect(other.body == #"{"count":1}"#)
    }

    @Test func thePagesOwnAddExampleIsRefusedForItsURL() async throws {
        let server = try await LiveServer.start()
        let add = try await server.curl(["-X", "POST"] + PageExampleTests.auth + ["--data", #"{"url": "123456","api_user":"api_user", "event":[1,3]}"#], "/v1/webhooks")
        #expect(add.status == 400)
        #expect(add.body == #"{"code":40001,"message":"url must be an absolute http(s) URL, got \"123456\": no http:// or https:// scheme"}"#)
    }
}

/// Every request is authenticated, and an account sees only its own webhooks.
@Suite struct AuthenticationTests {
    static let failed = #"{"code":30000,"message":"Authentication failed"}"#

    @Test(arguments: [
        [] as [String],                                                   // missing
        ["-H", "Authorization: Bearer YXBpX3VzZXI6YXBpX2tleQ=="],       // not Basic
        ["-H", "Authorization: Basic !!!notbase64"],                      // malformed
        ["-H", "Authorization: Basic YXBpX3VzZXJhcGlfa2V5"],              // no colon
        ["-u", "api_user:wrong"],                                         // wrong key
        ["-u", "nobody:api_key"],                                         // unknown user
        ["-u", ":api_key"],                                               // empty user
    ])
    func refused(_ credentials: [String]) async throws {
        let server = try await LiveServer.start()
        for (method, target) in [("GET", "/v1/webhooks"), ("POST", "/v1/webhooks"), ("PUT", "/v1/webhooks/1"), ("DELETE", "/webhooks/1"), ("GET", "/elsewhere")] {
            let response = try await server.curl(["-X", method] + credentials, target)
            #expect(response.status == 401, "\(method) \(target)")
            #expect(response.body == AuthenticationTests.failed)
        }
    }

    @Test func everyAPIUserOfAnAccountSeesTheSameWebhooks() async throws {
        let server = try await LiveServer.start()
        let added = try await server.curl(["-u", "api_user:api_key", "-X", "POST", "--data", #"{"url":"https://a.example/h","api_user":"alice"}"#], "/v1/webhooks")
        #expect(added.status == 200)
        let asAlice = try await server.curl(["-u", "alice:alice-key"], "/v1/webhooks")
        #expect(asAlice.body.contains(#""total":1"#))
    }

    @Test func accountsAreIsolated() async throws {
        let server = try await LiveServer.start()
        let mine = try await server.curl(["-u", "api_user:api_key", "-X", "POST", "--data", #"{"url":"https://a.example/h"}"#], "/v1/webhooks")
        #expect(mine.body.contains(#""id":1"#))
        let bob = ["-u", "bob:bob-key"]
        #expect(try await server.curl(bob, "/v1/webhooks").body == #"{"result":[],"count":0,"total":0}"#)
        #expect(try await server.curl(bob + ["-X", "PUT", "--data", #"{"url":"https://evil.example/"}"#], "/v1/webhooks/1").body == #"{"count":0}"#)
        #expect(try await server.curl(bob + ["-X", "DELETE"], "/v1/webhooks/1").body == #"{"count":0}"#)
        // bob may not bind a webhook to another account's API_USER.
        let foreign = try await server.curl(bob + ["-X", "POST", "--data", #"{"url":"https://b.example/h","api_user":"alice"}"#], "/v1/webhooks")
        #expect(foreign.status == 403)
        #expect(foreign.body == #"{"code":40301,"message":"api_user \"alice\" is not an API_USER of this account"}"#)
        let still = try await server.curl(["-u", "api_user:api_key"], "/v1/webhooks")
        #expect(still.body.contains(#""url":"https://a.example/h""#) && still.body.contains(#""total":1"#))
    }

    @Test func keysAreNotStoredInClearAndTheStoreIsPrivate() async throws {
        let directory = try TemporaryDirectory()
        let store = directory.path + "/team.sqlite"
        let server = try await LiveServer.start(users: ["acme:api_user:a-very-secret-key-123"], arguments: ["--store", store])
        #expect(try await server.curl(["-u", "api_user:a-very-secret-key-123"], "/v1/webhooks").status == 200)
        _ = server.stop()
        for suffix in ["", "-wal"] {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: store + suffix))) ?? Data()
            #expect(bytes.range(of: Data("a-very-secret-key-123".utf8)) == nil, "key in clear in \(suffix)")
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: store)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // The users persist: a restart without --user still knows them.
        let again = try await LiveServer.start(users: [], arguments: ["--store", store])
        #expect(try await again.curl(["-u", "api_user:a-very-secret-key-123"], "/v1/webhooks").status == 200)
        #expect(try await again.curl(["-u", "api_user:wrong"], "/v1/webhooks").status == 401)
    }
}
