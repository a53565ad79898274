import Foundation
import Glibc
import Testing
@testable import WebhookDelivery
import WhsTestSupport

/// The push client's cap on connections per origin, counted at a receiver that is not whs
/// (Tests/delivery/faulty.py, run as a process), and how it reads URLs. The faults, reuse and
/// rebinding are tested through the built binary in Tests/delivery/test_push_client.py.
@Suite struct PushClientTests {
    /// `python3 faulty.py MODE DELAY`: prints its port, and its counts once told `stats`.
    final class FaultyReceiver {
        let process = Process()
        let input = Pipe()
        let output = Pipe()
        let port: Int

        init(mode: String, delay: Double) throws {
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("delivery/faulty.py").path
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", script, mode, String(delay)]
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            port = Int(FaultyReceiver.readLine(output) ?? "") ?? 0
        }

        static func readLine(_ output: Pipe) -> String? {
            var line = Data()
            while true {
                let byte = output.fileHandleForReading.readData(ofLength: 1)
                if byte.isEmpty || byte == Data([10]) { return line.isEmpty && byte.isEmpty ? nil : String(decoding: line, as: UTF8.self) }
                line.append(byte)
            }
        }

        /// Connections accepted, requests read, and the most connections open at once.
        func stop() async throws -> [String: Int] {
            input.fileHandleForWriting.write(Data("stats\n".utf8))
            let stats = try JSONDecoder().decode([String: Int].self, from: Data((FaultyReceiver.readLine(output) ?? "").utf8))
            await exited(process)
            return stats
        }
    }

    @Test func noMoreThanTheCapOfConnectionsToOneOrigin() async throws {
        let receiver = try FaultyReceiver(mode: "ok", delay: 0.05)
        // A long deadline: the test is about the cap, and a push that timed out on a loaded
        // machine closes its connection and the pool opens a fifth (CI's whole parallel run
        // once failed it so, at the 3 s of production).
        let sender = PushSender(timeout: 30, connectionsPerHost: 4)
        let pushes = 24
        let port = receiver.port
        let outcomes = await withTaskGroup(of: PushSender.Outcome.self) { group in
            for n in 0..<pushes {
                group.addTask { await sender.send(url: "http://127.0.0.1:\(port)/hook/\(n)", body: Array(#"{"n":1}"#.utf8), appKey: "key") }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        // 24 pushes, 4 at a time, 0.05 s each: about 0.3 s alone, 1 s beside six busy loops.
        #expect(outcomes.allSatisfy { $0.error == nil && $0.status == 200 }, "\(outcomes.compactMap(\.error))")
        let target = try PushTarget.parse("http://127.0.0.1:\(receiver.port)/").get()
        #expect(sender.client.pool(for: target).openCount == 4)
        let stats = try await receiver.stop()
        #expect(stats["requests"] == pushes)
        #expect(stats["connections"] == 4, "\(stats)")
        #expect(stats["max_open"] == 4, "\(stats)")
    }

    /// Pools of origins no longer pushed to are forgotten: 40 origins where nothing listens
    /// (each push refused, its pool then unused) leave at most the sweep's threshold and the
    /// pools made since the last sweep, and a live origin's pool is kept throughout.
    @Test func unusedPoolsAreSwept() async throws {
        let receiver = try FaultyReceiver(mode: "ok", delay: 0)
        let client = PushClient(connectionsPerOrigin: 4, policy: .anywhere, sweepAbove: 8)
        // A long deadline: the test is about pools, and a full parallel test run can keep the
        // Python receiver from answering within 3 s.
        let sender = PushSender(timeout: 30, client: client, policy: .anywhere)
        let live = "http://127.0.0.1:\(receiver.port)/hook"
        let first = await sender.send(url: live, body: Array("{}".utf8), appKey: "key")
        #expect(first.status == 200, "\(first)")
        // Ports held bound and never listened on: they refuse connections, and no other
        // process of a parallel test run can take one meanwhile.
        var refusedPorts: [Int] = []
        var held: [Int32] = []
        defer { for socket in held { close(socket) } }
        for _ in 0..<40 {
            let probe = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(probe, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(probe, $0, &length) } }
            refusedPorts.append(Int(UInt16(bigEndian: address.sin_port)))
            held.append(probe)
        }
        var most = 0
        for port in refusedPorts {
            let outcome = await sender.send(url: "http://127.0.0.1:\(port)/dead", body: Array("{}".utf8), appKey: "key")
            #expect(outcome.error == "connection refused", "\(outcome)")
            most = max(most, client.poolCount)
        }
        // The live origin keeps its idle connection open, so its pool is never swept.
        #expect(most <= 8, "pools grew to \(most)")
        #expect(client.poolCount < 41)
        let liveTarget = try PushTarget.parse(live).get()
        #expect(client.pool(for: liveTarget).openCount == 1)
        let again = await sender.send(url: live, body: Array("{}".utf8), appKey: "key")
        #expect(again.status == 200, "\(again)")
        let stats = try await receiver.stop()
        #expect(stats["connections"] == 1, "\(stats)")
    }

    @Test func urlsTakenApart() throws {
        let plain = try PushTarget.parse("http://Example.com/a/b?c=1#frag").get()
        #expect(plain == PushTarget(secure: false, host: "Example.com", port: 80, path: "/a/b?c=1"))
        #expect(plain.hostHeader == "Example.com" && plain.origin == "http://Example.com:80")
        let v6 = try PushTarget.parse("HTTPS://user:pw@[::1]:8443?x").get()
        #expect(v6 == PushTarget(secure: true, host: "::1", port: 8443, path: "/?x"))
        #expect(v6.hostHeader == "[::1]:8443")
        for bad in ["ftp://host/", "http://", "http://host:0/", "http://host:99999/", "http://[::1/", "no-scheme"] {
            #expect(throws: PushFailure.self, "\(bad)") { try PushTarget.parse(bad).get() }
        }
    }
}
