import Glibc
import ReceiverBench
import Testing
import WebhookCore
@testable import WebhookDelivery
import WhsSupport

/// Saved pushes: written one JSON line each, mode 0600, read back byte for byte; a broken
/// line names itself and nothing is read.
@Suite struct PushLogTests {
    static func push(_ body: [UInt8]) -> ReceivedPush {
        ReceivedPush(time: 1_764_176_584.512, method: "POST", path: "/hook",
                     headers: [("Content-Type", "application/json"), ("X-WebHook-Signature", "abc")],
                     timestamp: "1764176584", appKeyHeader: "email", signature: "abc", body: body,
                     verdict: .unchecked, status: 200, relayed: nil)
    }

    @Test func savedPushesReadBackUnchangedFromAFileOnlyItsOwnerReads() throws {
        let path = "/tmp/whs-pushlog-\(getpid())-\(Int.random(in: 0...1_000_000)).jsonl"
        defer { unlink(path) }
        let text = Array(#"{"message_id":"m1","subject":"Grüße \"quoted\"\n","status":{"message_status":"delivered"}}"#.utf8)
        let binary: [UInt8] = [0xFF, 0x00, 0x41]
        let log = try PushLog(path: path)
        #expect(log.append(Self.push(text)) == nil)
        #expect(log.append(Self.push(binary)) == nil)
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        let saved = try SavedPush.read(file: path)
        #expect(saved.map(\.body) == [text, binary])
        #expect(saved.map(\.line) == [1, 2])
        #expect(saved[0].event == "deliver" && saved[0].messageID == "m1")
        let line = try JSON.parse(try FileIO.read(path).split(separator: "\n")[0].description)
        #expect(line["path"] == .string("/hook") && line["headers"]?["X-WebHook-Signature"] == .string("abc") && line["method"] == .string("POST"))
    }

    @Test(arguments: [
        ("{\"body\":\"{}\"}\nnot json\n", "pushes.jsonl:2: not a JSON object"),
        ("{\"body\":\"{}\"}\n\n[1,2]\n", "pushes.jsonl:3: not a JSON object"),
        ("{\"path\":\"/hook\"}\n", "pushes.jsonl:1: no \"body\""),
        ("{\"body\":{\"a\":1}}\n", "pushes.jsonl:1: \"body\" must be a string"),
        ("{\"body_hex\":\"zz\"}\n", "pushes.jsonl:1: body_hex is not hexadecimal"),
        ("\n\n", "pushes.jsonl: no saved pushes"),
    ])
    func aBrokenFileNamesItsLine(_ text: String, _ message: String) {
        #expect {
            _ = try SavedPush.read(text, file: "pushes.jsonl")
        } throws: { error in
            guard case .invalidParameter(let said) = error as? WebhookError else { return false }
            return said.hasPrefix(message)
        }
    }
}
