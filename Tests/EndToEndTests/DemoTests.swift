import Foundation
import Testing
import WhsTestSupport

/// `record`, `whs play` and `whs check` through the built binary (docs/DEMOS.md).
@Suite struct DemoTests {
    static let examples = ["onboarding.whs", "delivery.whs", "cleanup.whs", "sending.whs"]

    static func example(_ name: String) -> String {
        WhsBinary.packageRoot.appendingPathComponent("scripts/examples/\(name)").path
    }

    @Test func everyExampleIsGreenUnderCheck() async throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: WhsBinary.packageRoot.appendingPathComponent("scripts/examples").path)
        #expect(Set(names.filter { $0.hasSuffix(".whs") }) == Set(DemoTests.examples))
        let result = try await WhsBinary.run(["check"] + DemoTests.examples.map(DemoTests.example))
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.hasSuffix("4 files, 62 statements, 0 differ\n"), "\(result.stdout)")
    }

    @Test func everyExampleHasCaptionsAndExpectations() throws {
        for name in DemoTests.examples {
            let text = try String(contentsOfFile: DemoTests.example(name), encoding: .utf8)
            #expect(text.contains("\n#> "), "\(name) has no captions")
            #expect(text.contains("\n#=> "), "\(name) has no expectations")
        }
    }

    @Test func aChangedExpectationFailsWithAPreciseDifference() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/onboarding.whs"
        var text = try String(contentsOfFile: DemoTests.example("onboarding.whs"), encoding: .utf8)
        text = text.replacingOccurrences(of: "#=> count: 1\nassert (get", with: "#=> count: 2\nassert (get")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let line = text.components(separatedBy: "\n").firstIndex(of: "#=> count: 2")! + 1
        let result = try await WhsBinary.run(["check", path])
        #expect(result.status == 1)
        #expect(result.stdout == """
            \(path):\(line): output of `modify $hook.id events=[click, open, 32]` (line \(line - 1)) differs:
              - #=> count: 2
              + #=> count: 1
            \(path): FAILED (14 statements, 1 differ)

            """)
    }

    @Test func updateWritesWhatWasShownAndKeepsPatternsThatStillMatch() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/t.whs"
        try """
            print "id ${1 + 1}"
            #=> id ...
            print "a"
            print "b"
            #=> wrong
            get 5
            """.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try await WhsBinary.run(["check", path]).status == 1)
        let updated = try await WhsBinary.run(["check", "--update", path])
        #expect(updated.status == 0, "\(updated.stdout)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == """
            print "id ${1 + 1}"
            #=> id ...
            print "a"
            #=> a
            print "b"
            #=> b
            get 5
            #=> error: get: no webhook with id 5
            """)
        #expect(try await WhsBinary.run(["check", path]).status == 0)
    }

    @Test func checkRunsEachFileOnAFreshStoreAndSaysWhatCannotBeChecked() async throws {
        let directory = try TemporaryDirectory()
        let first = directory.path + "/one.whs", second = directory.path + "/two.whs", broken = directory.path + "/broken.whs"
        for path in [first, second] {
            try "$h = add https://example.com/same\nprint $h.id\n#=> 1\n".write(toFile: path, atomically: true, encoding: .utf8)
        }
        try "print [1,\n".write(toFile: broken, atomically: true, encoding: .utf8)
        #expect(try await WhsBinary.run(["check", first, second]).status == 0)
        let result = try await WhsBinary.run(["check", first, broken])
        #expect(result.status == 2)
        #expect(result.stdout.contains("broken.whs: cannot be checked"))
        #expect(try await WhsBinary.run(["check", directory.path + "/missing.whs"]).status == 2)
    }

    @Test func playAtPaceZeroTypesEachStatementAfterItsCaptions() async throws {
        let demo = WhsBinary.packageRoot.appendingPathComponent("Tests/Demos/play-me.whs").path
        let expected = try String(contentsOfFile: WhsBinary.packageRoot.appendingPathComponent("Tests/Demos/play-me.transcript").path, encoding: .utf8)
        let result = try await WhsBinary.run(["play", "--pace", "0", demo])
        #expect(result.stdout == expected)
        #expect(result.stderr.hasPrefix("\(demo):8:1: error: get: no webhook with id 99"))
        #expect(result.status == 1)
    }

    @Test func stepWaitsForALineBeforeEachStatement() async throws {
        let demo = WhsBinary.packageRoot.appendingPathComponent("Tests/Demos/play-me.whs").path
        let expected = try String(contentsOfFile: WhsBinary.packageRoot.appendingPathComponent("Tests/Demos/play-me.transcript").path, encoding: .utf8)
        // Two Enters, then the end of stdin: the play goes on to the end either way.
        let result = try await WhsBinary.run(["play", "--pace", "0", "--step", demo], stdin: "\n\n")
        #expect(result.stdout == expected)
    }

    @Test func playWritesAnAsciicast() async throws {
        let directory = try TemporaryDirectory()
        let cast = directory.path + "/demo.cast"
        let demo = WhsBinary.packageRoot.appendingPathComponent("Tests/Demos/play-me.whs").path
        let result = try await WhsBinary.run(["play", "--pace", "2", "--cast", cast, demo])
        #expect(result.seconds > 0.1, "typing at 2 ms a character takes time")
        let lines = try String(contentsOfFile: cast, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(header["version"] as? Int == 2)
        #expect((header["width"] as? Int ?? 0) > 0 && (header["height"] as? Int ?? 0) > 0)
        var times: [Double] = []
        var text = ""
        for line in lines.dropFirst() {
            let event = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [Any])
            #expect(event.count == 3 && event[1] as? String == "o")
            times.append(try #require(event[0] as? Double))
            text += try #require(event[2] as? String)
        }
        #expect(times == times.sorted())
        // The cast holds what the terminal showed, output and errors included, in CR LF lines.
        #expect(text.contains("whs> $h = add https://example.com/a events=open\r\n"))
        #expect(text.contains("n = 2\r\n"))
        #expect(text.contains("error: get: no webhook with id 99"))
        #expect(result.stdout.contains("# and the end."))
    }

    @Test func recordWritesTheStatementsThatSucceededWithIdsAsVariablesAndNoSecret() async throws {
        let directory = try TemporaryDirectory()
        let recording = directory.path + "/session.whs"
        let session = try await WhsBinary.run(["--memory", "--keep-going", "-c", """
            record \(recording)
            $h = add https://example.com/a events=deliver
            $p = list
            get 1
            modify 1 events=open
            get 42
            $key = secret("hunter2")
            connect http://127.0.0.1:1 api_user=x api_key="hunter2"
            connect memory
            record stop
            delete 1
            """])
        #expect(session.stderr.contains("no webhook with id 42"))
        let text = try String(contentsOfFile: recording, encoding: .utf8)
        #expect(!text.contains("hunter2"))
        #expect(text == """
            #!/usr/bin/env whs
            # Recorded with whs record: the statements that succeeded, ids as the variables that held them.
            $h = add https://example.com/a events=deliver
            $p = list
            get $h.id
            modify $h.id events=open
            $key = env("WHS_SECRET")
            connect http://127.0.0.1:1 api_user=x api_key=env("WHS_API_KEY")
            connect memory

            """)
        // The recording runs, on a store where ids are not what they were.
        let store = directory.path + "/other.sqlite"
        _ = try await WhsBinary.run(["--store", store, "-c", "add https://example.com/first"])
        let replay = try await WhsBinary.run(["--store", store, recording], environment: ["WHS_SECRET": "s", "WHS_API_KEY": "k"])
        #expect(replay.status == 0, "\(replay.stderr)")
        let after = try await WhsBinary.run(["--store", store, "--json", "-c", "(get 2).event"])
        #expect(after.stdout == "[11]\n", "the replay modified the webhook it added, not the one that had its old id")
    }
}
