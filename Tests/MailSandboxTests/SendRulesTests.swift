import Foundation
import MailSandbox
import Testing
import WebhookCore
import WebhookDelivery
import WebhookHTTP
import WebhookPostgres
import WebhookStore
import WhsSupport
import WhsTestSupport

/// Every rule of SENDING.md, one row each, on every backend: the memory store, an SQLite file,
/// and `whs serve` through the client. Each broken send answers its code and sends nothing.
@Suite(.serialized) struct SendRulesTests {
    /// A valid send, which each row breaks in one place.
    static let valid = #"{"from":"Shop <shop@example.com>","to":["ann@example.com","Bob <bob@example.com>"],"body":{"subject":"Hi %name%","content":{"html":"<p>Hi</p>"},"vars":{"name":["Ann","Bob"]}},"custom_args":{"order":7}}"#

    struct Row: Sendable, CustomStringConvertible {
        let description: String
        let body: String
        let template: Bool
        let code: Int
    }

    static func row(_ description: String, _ code: Int, template: Bool = false, _ change: (inout [String: Any]) -> Void) -> Row {
        var object = try! JSONSerialization.jsonObject(with: Data(valid.utf8)) as! [String: Any]
        if template {
            var body = object["body"] as! [String: Any]
            body["content"] = nil
            body["template_invoke_name"] = "welcome"
            object["body"] = body
        }
        change(&object)
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Row(description: description, body: String(decoding: data, as: UTF8.self), template: template, code: code)
    }

    static func inBody(_ object: inout [String: Any], _ change: (inout [String: Any]) -> Void) {
        var body = object["body"] as! [String: Any]
        change(&body)
        object["body"] = body
    }

    static let rows: [Row] = [
        row("from empty", 30801) { $0["from"] = "" },
        row("from missing", 30801) { $0["from"] = nil },
        row("from malformed", 30802) { $0["from"] = "shop" },
        row("to missing", 30803) { $0["to"] = nil },
        row("to empty", 30803) { $0["to"] = [String]() },
        row("to a string, not an array", 30803) { $0["to"] = "ann@example.com" },
        row("to over 100", 30804) { $0["to"] = (0...100).map { "u\($0)@example.com" } },
        row("one bad recipient among good ones", 30805) { $0["to"] = ["ann@example.com", "not an address"] },
        row("a recipient without a domain dot", 30805) { $0["to"] = ["ann@localhost"] },
        row("body missing", 30806) { $0["body"] = nil },
        row("subject missing", 30807) { inBody(&$0) { $0["subject"] = nil } },
        row("subject over 256", 30807) { inBody(&$0) { $0["subject"] = String(repeating: "s", count: 257) } },
        row("content missing", 30808) { inBody(&$0) { $0["content"] = nil } },
        row("html and text both empty", 30808) { inBody(&$0) { $0["content"] = ["html": "", "text": ""] } },
        row("preview_text without html", 30808) { inBody(&$0) { $0["content"] = ["text": "t", "preview_text": "p"] } },
        row("cc without send_mode 1", 30809) { inBody(&$0) { $0["cc"] = ["cc@example.com"] } },
        row("bcc over 100", 30809) { inBody(&$0) { $0["bcc"] = (0...100).map { "b\($0)@example.com" }; $0["settings"] = ["send_mode": 1] } },
        row("reply_to over 3", 30810) { inBody(&$0) { $0["reply_to"] = (0...3).map { "r\($0)@example.com" } } },
        row("vars with fewer values than recipients", 30811) { inBody(&$0) { $0["vars"] = ["name": ["Ann"]] } },
        row("vars not arrays", 30811) { inBody(&$0) { $0["vars"] = ["name": "Ann"] } },
        row("dynamic_vars neither one nor one each", 30812) {
            $0["to"] = ["a@example.com", "b@example.com", "c@example.com"]
            inBody(&$0) { $0["vars"] = nil; $0["dynamic_vars"] = [["n": "1"], ["n": "2"]] }
        },
        row("a refused header", 30813) { inBody(&$0) { $0["headers"] = ["From": "x@example.com"] } },
        row("headers over 1 KB", 30813) { inBody(&$0) { $0["headers"] = ["X-Big": String(repeating: "h", count: 1100)] } },
        row("an attachment not in base64", 30814) { inBody(&$0) { $0["attachments"] = [["content": "not base64!", "filename": "a.txt"]] } },
        row("an inline attachment without content_id", 30814) {
            inBody(&$0) { $0["attachments"] = [["content": "aGk=", "filename": "a.png", "disposition": "inline"]] }
        },
        row("custom_args with a dotted key", 30815) { $0["custom_args"] = ["a.b": 1] },
        row("custom_args over 1 KB", 30815) { $0["custom_args"] = ["big": String(repeating: "c", count: 1100)] },
        row("custom_args not an object", 30815) { $0["custom_args"] = [1, 2] },
        row("request_id over 128", 30816) { $0["request_id"] = String(repeating: "r", count: 129) },
        row("send_mode 5", 30817) { inBody(&$0) { $0["settings"] = ["send_mode": 5] } },
        row("a tracking flag not a boolean", 30817) { inBody(&$0) { $0["settings"] = ["open_tracking": "yes"] } },
        row("send_mode 2: address lists are not emulated", 30818) { inBody(&$0) { $0["settings"] = ["send_mode": 2] } },
        row("sendtemplate without template_invoke_name", 30819, template: true) { inBody(&$0) { $0["template_invoke_name"] = nil } },
        row("label_id negative", 30820) { inBody(&$0) { $0["label_id"] = -1 } },
        row("an unknown body field", 40002) { inBody(&$0) { $0["subjet"] = "typo" } },
        row("an unknown template", 40403, template: true) { _ in },
    ]

    /// The three backends, each on a fresh store with one webhook for every event.
    static func backends(_ directory: TemporaryDirectory) throws -> [(String, Mailing, LiveServer?)] {
        func local(_ store: any MailStore & DeliveryStore & AsyncMailStore & AsyncDeliveryStore) -> Mailing {
            LocalMailing(store: store, dispatcher: Dispatcher(store: store))
        }
        let sqlite = try SQLiteStore(path: directory.path + "/rules.sqlite")
        let server = try LiveServer()
        let remote = try RemoteService(baseURL: server.baseURL, apiUser: "api_user", apiKey: "api_key", isInterrupted: { false })
        var backends: [(String, Mailing, LiveServer?)] = [("memory", local(MemoryStore()), nil), ("sqlite", local(sqlite), nil),
                                                          ("server", RemoteMailing(remote: remote), server)]
        if TestPostgres.available {
            let shared = try PostgresShellStore.open(try TestPostgres.freshDatabase(), seal: try AppKeySeal.fromKeyFile(directory.path + "/seal.key"),
                                                     node: "rules")
            let dispatcher = Dispatcher(store: shared.store, node: "rules", lease: 5)
            backends.append(("postgres", LocalMailing(store: shared, mailer: Mailer(store: shared.store, dispatcher: dispatcher)), nil))
        }
        return backends
    }

    @Test func everyRuleOnEveryBackend() throws {
        let directory = try TemporaryDirectory()
        for (name, mailing, server) in try Self.backends(directory) {
            defer { _ = server?.stop() }
            for row in Self.rows {
                let body = try JSON.parse(row.body)
                do {
                    _ = try mailing.send(body, template: row.template, apiUser: nil, wait: nil)
                    Issue.record("\(name): \(row.description) was accepted")
                } catch {
                    #expect(error.code == row.code, "\(name): \(row.description): \(error.message)")
                }
            }
            // Nothing of any refused send reached the log; the valid one goes through.
            #expect(try mailing.mails(MailQuery()) == .object([("count", .int(0)), ("mails", .array([]))]), "\(name)")
            let sent = try mailing.send(try JSON.parse(Self.valid), template: false, apiUser: nil, wait: nil)
            guard case .array(let ids)? = sent["email_ids"] else { Issue.record("\(name): \(sent.text)"); continue }
            #expect(ids.count == 2, "\(name)")
        }
    }

    /// docs/SENDING.md's table lists every code `MailRules` has, with its number.
    @Test func theDocumentedTableHasEveryCode() throws {
        let docs = try String(contentsOfFile: #filePath.replacingOccurrences(of: "Tests/MailSandboxTests/SendRulesTests.swift", with: "docs/SENDING.md"), encoding: .utf8)
        for code in MailRules.Code.allCases {
            #expect(docs.contains("| \(code.rawValue) |"), "docs/SENDING.md has no row for \(code.rawValue) (\(code))")
        }
        #expect(Set(Self.rows.map(\.code)).isSuperset(of: MailRules.Code.allCases.map(\.rawValue)), "a code without a row in this table")
    }
}
