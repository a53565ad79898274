import Foundation
import Testing
import WhsTestSupport

/// Every `.whs` file under Tests/Scripts runs through the built binary and must print what its
/// comments say (the Crafting Interpreters style):
///
///     print 1 + 2            # expect: 3
///     add 123456             # expect-error: t.whs:2:1: error: add: url must be ...
///     # exit: 1
///
/// `# expect:` lines are stdout lines, in order; `# expect-error:` lines are the headline
/// lines of stderr (the ones not indented under a message), in order; `# exit:` is the status
/// (0 when absent). `# args:` are words after the file name, `# options:` words before it,
/// `# stdin` pipes the file into `whs` instead of naming it. Each runs on `--memory` unless its
/// options name a store; `{dir}` in options stands for a fresh directory.
@Suite struct ScriptTests {
    static var scriptsDirectory: URL { WhsBinary.packageRoot.appendingPathComponent("Tests/Scripts") }

    static var scripts: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: scriptsDirectory.path)) ?? []
        return names.filter { $0.hasSuffix(".whs") }.sorted()
    }

    struct Expectations {
        var stdout: [String] = []
        var stderr: [String] = []
        var status: Int32 = 0
        var arguments: [String] = []
        var options: [String] = []
        var viaStdin = false
    }

    static func expectations(in text: String) -> Expectations {
        var found = Expectations()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            func value(after marker: String) -> String? {
                guard let range = line.range(of: marker) else { return nil }
                return String(line[range.upperBound...])
            }
            if let expected = value(after: "# expect: ") { found.stdout.append(expected) }
            else if line.hasSuffix("# expect:") { found.stdout.append("") }
            if let expected = value(after: "# expect-error: ") { found.stderr.append(expected) }
            if let status = value(after: "# exit: ") { found.status = Int32(status)! }
            if let words = value(after: "# args: ") { found.arguments = words.split(separator: " ").map(String.init) }
            if let words = value(after: "# options: ") { found.options = words.split(separator: " ").map(String.init) }
            if line.hasPrefix("# stdin") { found.viaStdin = true }
        }
        return found
    }

    @Test(arguments: scripts)
    func script(_ name: String) async throws {
        let file = ScriptTests.scriptsDirectory.appendingPathComponent(name)
        let text = try String(contentsOf: file, encoding: .utf8)
        let expected = ScriptTests.expectations(in: text)
        let directory = try TemporaryDirectory()
        var options = expected.options.map { $0.replacingOccurrences(of: "{dir}", with: directory.path) }
        if !options.contains(where: { $0.hasPrefix("--store") }) { options.insert("--memory", at: 0) }
        let result: WhsBinary.Result
        if expected.viaStdin {
            result = try await WhsBinary.run(options, stdin: text, currentDirectory: ScriptTests.scriptsDirectory.path)
        } else {
            result = try await WhsBinary.run(options + [name] + expected.arguments, currentDirectory: ScriptTests.scriptsDirectory.path)
        }
        var stdout = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if stdout.last == "" { stdout.removeLast() }
        let headlines = result.stderr.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("    ") }
        #expect(stdout == expected.stdout, "stdout of \(name)")
        #expect(headlines == expected.stderr, "stderr of \(name):\n\(result.stderr)")
        #expect(result.status == expected.status, "exit status of \(name)")
    }

    @Test func thereAreScripts() {
        #expect(ScriptTests.scripts.count >= 10)
    }
}

/// The examples a new user runs first must stay green.
@Suite struct ExampleTests {
    @Test func onboardingRunsGreenOnAFreshStoreAndLeavesItEmpty() async throws {
        let directory = try TemporaryDirectory()
        let store = directory.path + "/s.sqlite"
        let example = WhsBinary.packageRoot.appendingPathComponent("scripts/examples/onboarding.whs").path
        for _ in 0..<2 {
            let result = try await WhsBinary.run(["--store", store, example])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.hasSuffix("tour done\n"))
        }
        #expect(try await WhsBinary.run(["--store", store, "--json", "-c", "(list).total"]).stdout == "0\n")
    }
}
