import Foundation
import Testing
import WhsTestSupport

/// Every input the fuzzer found a crash, hang or leak with, replayed through the same harness
/// (`whs-fuzz` built without the fuzzer runs the files it is given). Each must finish, quickly.
@Suite struct FuzzRegressionTests {
    static var inputs: [String] {
        let directory = WhsBinary.packageRoot.appendingPathComponent("Tests/FuzzRegressions")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted().map { directory.appendingPathComponent($0).path }
    }

    @Test func everyFoundInputRunsToTheEnd() async throws {
        let inputs = FuzzRegressionTests.inputs
        #expect(!inputs.isEmpty, "Tests/FuzzRegressions holds the fuzzer's findings")
        let result = try await WhsBinary.run(inputs, timeout: 120, executable: WhsBinary.sibling("whs-fuzz"))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == inputs.count, "\(result.stdout)")
    }

    @Test func theHarnessStopsRunawayLoops() async throws {
        let directory = try TemporaryDirectory()
        let input = directory.path + "/loop.whs"
        try "while true { $x = 1 }\nfor $i in range(100000000) { print $i }\n".write(toFile: input, atomically: true, encoding: .utf8)
        let result = try await WhsBinary.run([input], timeout: 60, executable: WhsBinary.sibling("whs-fuzz"))
        #expect(result.stdout == "ok \(input)\n")
        #expect(result.seconds < 10, "the harness took \(result.seconds) s")
    }
}
