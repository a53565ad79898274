import Foundation

/// The built `whs` executable, run as a user runs it: arguments, stdin, environment; what it
/// printed and how it exited.
public enum WhsBinary {
    /// `$WHS_BINARY`, else the `whs` next to the test bundle (SwiftPM builds both into the
    /// same directory).
    public static var path: String {
        if let override = ProcessInfo.processInfo.environment["WHS_BINARY"] { return override }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")).map { URL(fileURLWithPath: $0) }
        for candidate in [exe?.deletingLastPathComponent(), directory].compactMap({ $0 }) {
            var probe = candidate
            for _ in 0..<4 {
                let binary = probe.appendingPathComponent("whs").path
                if FileManager.default.isExecutableFile(atPath: binary) { return binary }
                probe.deleteLastPathComponent()
            }
        }
        directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return directory.appendingPathComponent(".build/debug/whs").path
    }

    /// Another product built beside whs (`whs-fuzz`).
    public static func sibling(_ name: String) -> String {
        URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// The package's root directory (for `Tests/Scripts`, `scripts/examples`).
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        /// From the start of the process to its exit (not its wait for a turn).
        public let seconds: Double
    }

    /// Runs whs to the end. `environment` is added to a clean one (PATH, HOME, and no
    /// WHS_/XDG_ variables from the caller) so tests do not read the developer's store.
    /// A run that takes longer than `timeout` seconds is killed (and its status says so), so a
    /// whs that hangs fails its test instead of hanging the suite. The process is started in
    /// its turn and waited for on a thread of its own (`ChildProcesses`), never on the pool the
    /// tests' tasks share.
    public static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                           currentDirectory: String? = nil, timeout: Double = 60, executable: String? = nil) async throws -> Result {
        try await ChildProcesses.run {
            try runWaiting(arguments, stdin: stdin, environment: environment, currentDirectory: currentDirectory,
                           timeout: timeout, executable: executable)
        }
    }

    /// `run` on the calling thread, which it blocks until whs has exited, without waiting for a
    /// turn: for processes that a test needs running at the same moment (wrap it in `offPool`).
    public static func runWaiting(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                                  currentDirectory: String? = nil, timeout: Double = 60, executable: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable ?? path)
        process.arguments = arguments
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "LANG": "C.UTF-8"]
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        let started = Date()
        try process.run()
        let out = PipeReader(output), err = PipeReader(errors)
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(started)
        watchdog.cancel()
        return Result(status: process.terminationStatus, stdout: out.text(), stderr: err.text(), seconds: seconds)
    }
}
