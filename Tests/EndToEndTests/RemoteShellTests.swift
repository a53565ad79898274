import Foundation
import Testing
import WhsTestSupport

/// The shell against a live server, as a user runs it: `--url`, `connect`, `explain`.
@Suite struct RemoteShellTests {
    @Test func statementsAgainstALiveServer() async throws {
        let server = try await LiveServer.start()
        let result = try await WhsBinary.run(["--url", server.baseURL, "--api-user", "api_user", "--json", "-c", """
            $h = add https://example.com/remote events=open api_user=alice
            print $h.id $h.api_user
            modify $h.id events=[click, 1]
            (get $h.id).event
            list api_user=alice
            delete $h.id
            (list).total
            """], environment: ["WHS_API_KEY": "api_key"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == """
            1 alice
            {"count":1}
            [1,10]
            {"result":[{"url":"https://example.com/remote","event":[1,10],"api_user":"alice","id":1}],"count":1,"total":1}
            {"count":1}
            0

            """)
    }

    @Test func serverErrorsReadLikeLocalOnes() async throws {
        let server = try await LiveServer.start()
        let result = try await WhsBinary.run(["--url", server.baseURL, "--api-user", "api_user", "--keep-going", "-c", """
            add https://example.com/a
            add https://example.com/a
            add https://example.com/b api_user=mallory
            """], environment: ["WHS_API_KEY": "api_key"])
        #expect(result.status == 1)
        let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("-c:") }
        #expect(errors == [
            "-c:2:1: error: add: a webhook with this url and api_user exists already (id 1)",
            "-c:3:1: error: add: api_user \"mallory\" is not an API_USER of this account",
        ])
    }

    @Test func authenticationFailureExitsOne() async throws {
        let server = try await LiveServer.start()
        let result = try await WhsBinary.run(["--url", server.baseURL, "--api-user", "api_user", "-c", "list"], environment: ["WHS_API_KEY": "wrong"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("-c:1:1: error: list: Authentication failed\n"))
        #expect(!result.stderr.contains("wrong"))
    }

    @Test func serverDownIsAClearMessageWithinTheTimeout() async throws {
        // A port nothing listens on: bind one, then close it.
        let server = try await LiveServer.start()
        let url = server.baseURL
        _ = server.stop()
        let result = try await WhsBinary.run(["--url", url, "--api-user", "api_user", "-c", "list"], environment: ["WHS_API_KEY": "k"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("-c:1:1: error: list: cannot connect to \(url): connection refused\n"))
        #expect(result.seconds < 10, "whs gave up after \(result.seconds) s")
    }

    @Test func missingKeyIsABadCommandLine() async throws {
        let result = try await WhsBinary.run(["--url", "http://127.0.0.1:9", "--api-user", "u", "-c", "list"])
        #expect(result.status == 1)
        #expect(result.stderr == "whs: no API key: set WHS_API_KEY (or run at a terminal to be asked)\n")
        #expect(try await WhsBinary.run(["--url", "http://127.0.0.1:9", "-c", "list"]).stderr.hasPrefix("whs: --url needs --api-user NAME"))
    }

    @Test func connectSwitchesBackendsAndExplainPrintsCurl() async throws {
        let server = try await LiveServer.start()
        let result = try await WhsBinary.run(["--memory", "-c", """
            explain add https://example.com/h events=open
            connect \(server.baseURL) api_user=api_user api_key=env("TEST_KEY")
            $h = add https://example.com/over-http
            explain modify $h.id url=https://example.com/moved
            explain list api_user=alice limit=5
            connect memory
            (list).total
            """], environment: ["TEST_KEY": "api_key"])
        #expect(result.status == 0, "\(result.stderr)")
        let key = #"-H "Authorization: Basic $(printf '%s:%s' 'api_user' "$WHS_API_KEY" | base64 -w0)""#
        let json = "-H 'Content-Type: application/json; charset=utf-8'"
        #expect(result.stdout == """
            curl -X POST \(json) \(key) --data '{"url":"https://example.com/h","event":[11]}' 'https://email.api.engagelab.cc/v1/webhooks'
            connected to server \(server.baseURL) as api_user
            curl -X PUT \(json) \(key) --data '{"url":"https://example.com/moved"}' '\(server.baseURL)/v1/webhooks/1'
            curl -X GET \(json) \(key) '\(server.baseURL)/v1/webhooks?api_user=alice&offset=0&limit=5'
            connected to memory
            0

            """)
        // explain sent nothing: the server holds only the one real add.
        #expect(try await server.curl(["-u", "api_user:api_key"], "/v1/webhooks").body.contains(#""total":1"#))
        #expect(!result.stdout.contains("api_key\""))
    }

    /// The curl command explain prints runs as it says, with the key from $WHS_API_KEY.
    @Test func explainedCurlCommandsRun() async throws {
        let server = try await LiveServer.start()
        let explained = try await WhsBinary.run(["--url", server.baseURL, "--api-user", "api_user", "-c", "explain add https://example.com/from-curl events=deliver"],
                                          environment: ["WHS_API_KEY": "api_key"])
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/bash")
        shell.arguments = ["-c", explained.stdout]
        shell.environment = ["PATH": "/usr/bin:/bin", "WHS_API_KEY": "api_key"]
        let output = Pipe()
        shell.standardOutput = output
        try shell.run()
        await exited(shell)
        #expect(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            == #"{"result":[{"url":"https://example.com/from-curl","event":[1],"api_user":"","id":1}]}"#)
    }
}
