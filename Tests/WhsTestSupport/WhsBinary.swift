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
    }

    /// Runs whs to the end. `environment` is added to a clean one (PATH, HOME, and no
    /// WHS_/XDG_ variables from the caller) so tests do not read the developer's store.
    /// A run that takes longer than `timeout` seconds is killed (and its status says so), so a
    /// whs that hangs fails its test instead of hanging the suite.
    public static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
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
        try process.run()
        // Read both pipes while the process runs, so a large output cannot fill a pipe and stall it.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        group.enter()
        DispatchQueue.global().async { outData = output.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { errData = errors.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        process.waitUntilExit()
        watchdog.cancel()
        group.wait()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}
