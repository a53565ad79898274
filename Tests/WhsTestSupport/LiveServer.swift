import Foundation

/// A `whs serve` process on a free loopback port, for tests that talk HTTP to it the way an
/// application would. Stopped with SIGTERM when released. Started and asked on threads of their
/// own (`start`, `curl`), never on the pool the tests' tasks share (`offPool`).
public final class LiveServer: @unchecked Sendable {
    public let process = Process()
    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    private let errors = Pipe()

    /// The default users: account `acme` has API_USERs `api_user` (key `api_key`, the page's
    /// own example credentials) and `alice`; account `other` has `bob`.
    public static let defaultUsers = ["acme:api_user:api_key", "acme:alice:alice-key", "other:bob:bob-key"]

    /// A server started, once it has printed its address.
    public static func start(users: [String] = LiveServer.defaultUsers, arguments: [String] = ["--memory"]) async throws -> LiveServer {
        try await offPool { try LiveServer(users: users, arguments: arguments) }
    }

    private init(users: [String], arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: WhsBinary.path)
        process.arguments = ["serve", "--port", "0"] + arguments + users.flatMap { ["--user", $0] }
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // The first line names the address: "whs serve: listening on http://127.0.0.1:PORT (...)".
        var line = Data()
        let handle = output.fileHandleForReading
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = handle.availableData
            if chunk.isEmpty { throw ConformanceFailure(description: "whs serve exited: \(String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self))") }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: "http://127.0.0.1:"),
              let port = Int(text[range.upperBound...].prefix { $0.isNumber }) else {
            throw ConformanceFailure(description: "no address in \(text)")
        }
        self.port = port
    }

    /// Stops the server with `signal` and returns its exit status and what it logged.
    public func stop(signal: Int32 = SIGTERM) -> (status: Int32, log: String) {
        guard process.isRunning else { return (process.terminationStatus, "") }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, log)
    }

    deinit { _ = stop() }

    public struct Response: Sendable {
        public let status: Int
        public let body: String
    }

    /// One request through the real curl binary: `arguments` are curl's (method, headers,
    /// data), `target` is the path and query.
    public func curl(_ arguments: [String], _ target: String) async throws -> Response {
        try await ChildProcesses.run { [self] in try curlWaiting(arguments, target) }
    }

    private func curlWaiting(_ arguments: [String], _ target: String) throws -> Response {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-s", "-S", "-w", "\n%{http_code}", "--max-time", "10"] + arguments + [baseURL + target]
        let output = Pipe()
        curl.standardOutput = output
        try curl.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        curl.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard let newline = text.lastIndex(of: "\n"), let status = Int(text[text.index(after: newline)...]) else {
            throw ConformanceFailure(description: "curl gave \(text)")
        }
        return Response(status: status, body: String(text[..<newline]))
    }
}
