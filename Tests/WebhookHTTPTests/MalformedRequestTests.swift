import Foundation
import Testing
import WhsTestSupport

/// Bad input gets a 4xx with the API's JSON error, never a 5xx, and the server stays up.
@Suite struct MalformedRequestTests {
    static let auth = ["-u", "api_user:api_key"]

    /// (curl arguments, target, status, code)
    static let corpus: [([String], String, Int, Int)] = [
        (["-X", "POST", "--data", "not json"], "/v1/webhooks", 400, 40003),
        (["-X", "POST", "--data", ""], "/v1/webhooks", 400, 40003),
        (["-X", "POST", "--data-binary", "\r"], "/v1/webhooks/1", 400, 40003),
        (["-X", "PUT", "--data-binary", " \n"], "/v1/webhooks/1", 400, 40003),
        (["-X", "POST", "--data", "[1,2]"], "/v1/webhooks", 400, 40003),
        (["-X", "POST", "--data", "{\"url\":"], "/v1/webhooks", 400, 40003),
        (["-X", "POST", "--data", String(repeating: "[", count: 5000)], "/v1/webhooks", 400, 40003),
        (["-X", "POST", "--data", #"{"url":"https://a.example","events":[1]}"#], "/v1/webhooks", 400, 40002),
        (["-X", "POST", "--data", #"{"url":"https://a.example","colour":"red"}"#], "/v1/webhooks", 400, 40002),
        (["-X", "POST", "--data", #"{"url":42}"#], "/v1/webhooks", 400, 40001),
        (["-X", "POST", "--data", #"{"api_user":"x"}"#], "/v1/webhooks", 400, 40001),
        (["-X", "POST", "--data", #"{"url":"https://a.example","event":"open"}"#], "/v1/webhooks", 400, 40001),
        (["-X", "POST", "--data", #"{"url":"https://a.example","event":[1.5]}"#], "/v1/webhooks", 400, 40001),
        (["-X", "POST", "--data", #"{"url":"https://a.example","event":[]}"#], "/v1/webhooks", 400, 40001),
        (["-X", "POST", "--data", #"{"url":"https://a.example","event":[2]}"#], "/v1/webhooks", 400, 40001),
        (["-X", "POST", "--data", #"{"url":"https://a.example","api_user":"bad name"}"#], "/v1/webhooks", 400, 40001),
        (["-X", "POST", "--data", #"{"url":"https://a.example","url":"https://b.example"}"#], "/v1/webhooks", 400, 40001),
        (["-X", "POST", "--data", #"{"url":"ftp://a.example"}"#], "/v1/webhooks", 400, 40001),
        (["-X", "POST", "--data-binary", "@/dev/stdin"], "/v1/webhooks", 400, 40003),
        (["-X", "PUT", "--data", #"{"event":"all"}"#], "/v1/webhooks/1", 400, 40001),
        (["-X", "PUT", "--data", "{}"], "/v1/webhooks/abc", 400, 40001),
        (["-X", "PUT", "--data", "{}"], "/v1/webhooks/0", 400, 40001),
        (["-X", "PUT", "--data", "{}"], "/v1/webhooks/-3", 400, 40001),
        (["-X", "DELETE"], "/v1/webhooks/99999999999999999999999", 400, 40001),
        (["-X", "DELETE"], "/v1/webhooks/1.5", 400, 40001),
        ([], "/v1/webhooks?limit=101", 400, 40001),
        ([], "/v1/webhooks?limit=-1", 400, 40001),
        ([], "/v1/webhooks?limit=ten", 400, 40001),
        ([], "/v1/webhooks?offset=-5", 400, 40001),
        ([], "/v1/webhooks?limt=5", 400, 40001),
        ([], "/v1/webhooks?limit=1&limit=2", 400, 40001),
        ([], "/v1/webhooks?api_user=%ZZ", 400, 40001),
        ([], "/v2/webhooks", 404, 40400),
        ([], "/v1/webhooks/1/extra", 404, 40400),
        ([], "/", 404, 40400),
        ([], "/v1/webhooks/42", 404, 40401),
        (["-X", "PATCH"], "/v1/webhooks", 405, 40500),
        (["-X", "DELETE"], "/v1/webhooks", 405, 40500),
        (["-X", "PATCH"], "/v1/webhooks/1", 405, 40500),
        (["-X", "OPTIONS"], "/v1/webhooks", 405, 40500),
    ]

    @Test func eachGetsAJSONErrorAndTheServerStaysUp() async throws {
        let server = try await LiveServer.start()
        _ = try await server.curl(MalformedRequestTests.auth + ["-X", "POST", "--data", #"{"url":"https://a.example/kept"}"#], "/v1/webhooks")
        for (arguments, target, status, code) in MalformedRequestTests.corpus {
            let response = try await server.curl(MalformedRequestTests.auth + arguments, target)
            #expect(response.status == status, "\(arguments) \(target): \(response.body)")
            #expect(response.body.hasPrefix("{\"code\":\(code),\"message\":\""), "\(arguments) \(target): \(response.body)")
        }
        // Still up, nothing changed by the failures.
        let list = try await server.curl(MalformedRequestTests.auth, "/v1/webhooks")
        #expect(list.body == #"{"result":[{"url":"https://a.example/kept","event":[1,3,4,5,10,11,12,18,32],"api_user":"","id":1}],"count":1,"total":1}"#)
    }

    @Test func bodiesOver64KiBGet413() async throws {
        let server = try await LiveServer.start()
        let directory = try TemporaryDirectory()
        let path = directory.path + "/big.json"
        let padding = String(repeating: "x", count: 70_000)
        try "{\"url\":\"https://a.example/\(padding)\"}".write(toFile: path, atomically: true, encoding: .utf8)
        let response = try await server.curl(MalformedRequestTests.auth + ["-X", "POST", "--data-binary", "@" + path], "/v1/webhooks")
        #expect(response.status == 413)
        #expect(response.body == #"{"code":41300,"message":"request body is larger than 65536 bytes"}"#)
        #expect(try await server.curl(MalformedRequestTests.auth, "/v1/webhooks").status == 200)
    }

    @Test func logsOneLinePerRequestWithoutCredentialsAndStopsCleanly() async throws {
        let server = try await LiveServer.start()
        _ = try await server.curl(["-u", "api_user:api_key"], "/v1/webhooks?limit=1")
        _ = try await server.curl(["-u", "api_user:wrong-key-xyz"], "/v1/webhooks")
        let (status, log) = server.stop(signal: SIGINT)
        #expect(status == 0)
        let lines = log.split(separator: "\n").filter { $0.contains(" /v1/") }
        #expect(lines.count == 2)
        #expect(lines[0].hasSuffix("ms") && lines[0].contains(" GET /v1/webhooks?limit=1 200 "))
        #expect(lines[1].contains(" GET /v1/webhooks 401 "))
        #expect(!log.contains("api_key") && !log.contains("wrong-key-xyz") && !log.contains("YXBp"))
    }

    @Test func sigtermStopsCleanly() async throws {
        let server = try await LiveServer.start()
        #expect(server.stop(signal: SIGTERM).status == 0)
    }
}
