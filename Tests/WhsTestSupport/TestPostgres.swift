import Foundation
import WebhookCore

/// The PostgreSQL server of the test run: `$WHS_TEST_POSTGRES`, which scripts/test sets after
/// starting a private cluster (scripts/postgres). Each test takes a database of its own, made
/// empty with psql, so tests never see each other's rows. With `$WHS_REQUIRE_POSTGRES` set
/// (scripts/test sets it), a missing server is a failure, not a skip.
public enum TestPostgres {
    public static var url: String? { ProcessInfo.processInfo.environment["WHS_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 } }

    /// True when the PostgreSQL tests should run.
    public static var available: Bool {
        if url != nil { return true }
        if ProcessInfo.processInfo.environment["WHS_REQUIRE_POSTGRES"] != nil {
            fatalError("WHS_REQUIRE_POSTGRES is set but WHS_TEST_POSTGRES is not: start one with scripts/postgres")
        }
        return false
    }

    /// A new, empty database on the test server.
    public static func freshDatabase() async throws -> PostgresLocation {
        guard let url else { throw ConformanceFailure("no PostgreSQL server: set WHS_TEST_POSTGRES (scripts/postgres start DIR)") }
        let base = try PostgresLocation(parsing: url)
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await psql(base, "CREATE DATABASE \(name)")
        return try PostgresLocation(parsing: "postgres://\(base.user):\(base.password ?? "")@\(base.host):\(base.port)/\(name)")
    }

    /// Runs SQL with psql against `location` (its password through the environment, not argv),
    /// in its turn and waited for on a thread of its own (`ChildProcesses`).
    @discardableResult
    public static func psql(_ location: PostgresLocation, _ sql: String) async throws -> String {
        try await ChildProcesses.run { try psqlWaiting(location, sql) }
    }

    private static func psqlWaiting(_ location: PostgresLocation, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = ["-h", location.host, "-p", String(location.port), "-U", location.user, "-d", location.database,
                             "-v", "ON_ERROR_STOP=1", "-At", "-c", sql]
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = location.password ?? ""
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw ConformanceFailure("psql: \(text)") }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The URL with its password, for a `whs` command line or `$WHS_STORE`.
    public static func url(of location: PostgresLocation) -> String {
        "postgres://\(location.user):\(location.password ?? "")@\(location.host):\(location.port)/\(location.database)"
    }
}
