import Foundation
import Testing
import WhsTestSupport

/// The SQLite store as users meet it: a file on disk, written by separate whs processes.
@Suite struct StoreProcessTests {
    @Test func persistsAcrossProcesses() async throws {
        let directory = try TemporaryDirectory()
        let store = directory.path + "/s.sqlite"
        let first = try await WhsBinary.run(["--store", store, "--json", "-c", "add https://example.com/a api_user=alice events=open"])
        #expect(first.status == 0)
        #expect(first.stdout == "{\"url\":\"https://example.com/a\",\"event\":[11],\"api_user\":\"alice\",\"id\":1}\n")
        let second = try await WhsBinary.run(["--store", store, "--json", "-c", "list"])
        #expect(second.stdout == "{\"result\":[{\"url\":\"https://example.com/a\",\"event\":[11],\"api_user\":\"alice\",\"id\":1}],\"count\":1,\"total\":1}\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: store)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test func usesTheDefaultStoreUnderXDGDataHome() async throws {
        let directory = try TemporaryDirectory()
        let environment = ["XDG_DATA_HOME": directory.path + "/data"]
        #expect(try await WhsBinary.run(["-c", "add https://example.com/x"], environment: environment).status == 0)
        let listed = try await WhsBinary.run(["--json", "-c", "(list).total"], environment: environment)
        #expect(listed.stdout == "1\n")
        #expect(FileManager.default.fileExists(atPath: directory.path + "/data/whs/store.sqlite"))
        // $WHS_STORE wins over XDG_DATA_HOME.
        let other = directory.path + "/other.sqlite"
        let viaVariable = try await WhsBinary.run(["--json", "-c", "(list).total"], environment: environment.merging(["WHS_STORE": other]) { $1 })
        #expect(viaVariable.stdout == "0\n")
    }

    /// Four processes add 150 webhooks each to one store at the same time: all 600 arrive,
    /// with 600 different ids.
    @Test func fourWritersLoseNothing() async throws {
        let directory = try TemporaryDirectory()
        let store = directory.path + "/s.sqlite"
        #expect(try await WhsBinary.run(["--store", store, "-c", "list limit=0"]).status == 0)
        let perWriter = 150
        let results = await withTaskGroup(of: WhsBinary.Result?.self) { group in
            for writer in 0..<4 {
                let script = "for $i in range(\(perWriter)) { $h = add \"https://example.com/w\(writer)/${i}\" }"
                // All four at once, whatever turns other tests' processes hold.
                group.addTask { try? await offPool { try WhsBinary.runWaiting(["--store", store, "-c", script]) } }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        for result in results {
            #expect(result?.status == 0, "\(result?.stderr ?? "did not run")")
        }
        // Paging through every webhook: ids strictly ascending (so all different), none missing.
        let check = try await WhsBinary.run(["--store", store, "-c", """
            $seen = 0
            $previous = 0
            $offset = 0
            while true {
              $page = list offset=$offset
              if $page.count == 0 { break }
              for $w in $page.result {
                assert $w.id > $previous, "ids must ascend: ${w.id} after ${previous}"
                $previous = $w.id
                $seen = $seen + 1
              }
              $offset = $offset + $page.count
            }
            print $page.total $seen
            """])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout == "\(4 * perWriter) \(4 * perWriter)\n")
        let sqlite = try await runSQLite(store, "SELECT count(*), count(DISTINCT id) FROM webhooks")
        #expect(sqlite == "\(4 * perWriter)|\(4 * perWriter)")
    }

    func runSQLite(_ path: String, _ sql: String) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path, sql]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        await exited(process)
        return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
