import Foundation
import PackagePlugin

/// Stamps the whs executable with its version (the file VERSION, the only place it is
/// written), the commit and the build date, for `whs --version` and the man pages.
///
/// A build command, not a prebuild command: SwiftPM runs a prebuild command only when it plans
/// the build again, not at every build, so a commit would not reach the stamp. A build command
/// runs whenever one of its inputs changed: VERSION, the script, and git's HEAD and its log (a
/// commit, a checkout and a reset all write `.git/logs/HEAD`).
@main struct BuildStamp: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        let script = root.appending(path: "scripts/stamp-version")
        let output = context.pluginWorkDirectoryURL.appending(path: "BuildStamp.swift")
        var inputs = [root.appending(path: "VERSION"), script]
        let git = root.appending(path: ".git")
        var candidates = ["HEAD", "logs/HEAD", "packed-refs"]
        // HEAD names a branch: its ref file moves with each commit even without a reflog.
        if let head = try? String(contentsOf: git.appending(path: "HEAD"), encoding: .utf8), head.hasPrefix("ref: ") {
            candidates.append(head.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        for name in candidates where FileManager.default.fileExists(atPath: git.appending(path: name).path) {
            inputs.append(git.appending(path: name))
        }
        // SOURCE_DATE_EPOCH (scripts/package) dates a reproducible build; a change of it plans
        // the build again, and so runs the command again.
        var environment: [String: String] = [:]
        if let epoch = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"] { environment["SOURCE_DATE_EPOCH"] = epoch }
        return [
            .buildCommand(
                displayName: "Stamping whs with VERSION, the commit and the date",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [script.path, root.path, output.path],
                environment: environment,
                inputFiles: inputs,
                outputFiles: [output]
            ),
        ]
    }
}
