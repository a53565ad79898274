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
        let route: MailRoute
        let code: Int
    }

    /// A valid invitation, for the sendcalendar rows.
    static var calendar: [String: Any] { [
        "time_zone_id": "Asia/Shanghai", "start_time": "2026-06-10 10:00:00", "end_time": "2026-06-10 11:00:00", "title": "Project Meeting",
        "organizer": ["name": "EngageLab", "email": "support@mail.engagelab.com"], "location": "Online",
    ] }
    static let message = "From: shop@example.com\r\nTo: ann@example.com\r\nSubject: Raw MIME\r\n\r\nHello"

    /// The valid send, made valid for `route` (a template instead of content, an invitation
    /// added, the content as a message), then broken by `change`.
    static func row(_ description: String, _ code: Int, route: MailRoute = .send, _ change: (inout [String: Any]) -> Void) -> Row {
        var object = try! JSONSerialization.jsonObject(with: Data(valid.utf8)) as! [String: Any]
        inBody(&object) { body in
            switch route {
            case .template:
                body["content"] = nil
                body["template_invoke_name"] = "welcome"
            case .calendar: body["calendar"] = calendar
            case .mime: body["content"] = ["raw_message": message]
            case .send: break
            }
        }
        change(&object)
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Row(description: description, body: String(decoding: data, as: UTF8.self), route: route, code: code)
    }

    static func inCalendar(_ object: inout [String: Any], _ change: (inout [String: Any]) -> Void) {
        inBody(&object) { body in
            var calendar = body["calendar"] as! [String: Any]
            change(&calendar)
            body["calendar"] = calendar
        }
    }

    static func raw(_ object: inout [String: Any], _ message: String) {
        inBody(&object) { $0["content"] = ["raw_message": message] }
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
        row("sendtemplate without template_invoke_name", 30819, route: .template) { inBody(&$0) { $0["template_invoke_name"] = nil } },
        row("label_id negative", 30820) { inBody(&$0) { $0["label_id"] = -1 } },
        row("an unknown body field", 40002) { inBody(&$0) { $0["subjet"] = "typo" } },
        row("an unknown template", 40403, route: .template) { _ in },
        row("a vars key of % alone", 30811) { inBody(&$0) { $0["vars"] = ["%": ["Ann", "Bob"]] } },
        row("a vars key with % inside", 30811) { inBody(&$0) { $0["vars"] = ["%na%me%": ["Ann", "Bob"]] } },
        row("a var given in both forms", 30811) { inBody(&$0) { $0["vars"] = ["name": ["Ann", "Bob"], "%name%": ["A", "B"]] } },
        // sendcalendar
        row("a calendar on send", 40002) { inBody(&$0) { $0["calendar"] = calendar } },
        row("sendcalendar without a calendar", 30821, route: .calendar) { inBody(&$0) { $0["calendar"] = nil } },
        row("a calendar that is not an object", 30821, route: .calendar) { inBody(&$0) { $0["calendar"] = "tomorrow" } },
        row("sendcalendar without content", 30808, route: .calendar) { inBody(&$0) { $0["content"] = nil } },
        row("sendcalendar without a subject", 30807, route: .calendar) { inBody(&$0) { $0["subject"] = nil } },
        row("a calendar without time_zone_id", 30821, route: .calendar) { inCalendar(&$0) { $0["time_zone_id"] = nil } },
        row("a time zone that is not a zone name", 30821, route: .calendar) { inCalendar(&$0) { $0["time_zone_id"] = "Mars/Olympus" } },
        row("a start_time in another format", 30821, route: .calendar) { inCalendar(&$0) { $0["start_time"] = "2026-06-10T10:00:00" } },
        row("a start_time on a day that does not exist", 30821, route: .calendar) { inCalendar(&$0) { $0["start_time"] = "2026-02-29 10:00:00" } },
        row("an end_time at 24:00", 30821, route: .calendar) { inCalendar(&$0) { $0["end_time"] = "2026-06-10 24:00:00" } },
        row("an end before the start", 30821, route: .calendar) { inCalendar(&$0) { $0["end_time"] = "2026-06-10 09:59:59" } },
        row("an end at the start", 30821, route: .calendar) { inCalendar(&$0) { $0["end_time"] = "2026-06-10 10:00:00" } },
        row("an empty title", 30821, route: .calendar) { inCalendar(&$0) { $0["title"] = "" } },
        row("a title that is a number", 30821, route: .calendar) { inCalendar(&$0) { $0["title"] = 7 } },
        row("no organizer", 30821, route: .calendar) { inCalendar(&$0) { $0["organizer"] = nil } },
        row("an organizer without email", 30821, route: .calendar) { inCalendar(&$0) { $0["organizer"] = ["name": "EngageLab"] } },
        row("an organizer with a bad email", 30821, route: .calendar) { inCalendar(&$0) { $0["organizer"] = ["email": "support"] } },
        row("an unknown organizer field", 40002, route: .calendar) { inCalendar(&$0) { $0["organizer"] = ["email": "a@example.com", "mail": "x"] } },
        row("a location that is not a string", 30821, route: .calendar) { inCalendar(&$0) { $0["location"] = ["Online"] } },
        row("an unknown calendar field", 40002, route: .calendar) { inCalendar(&$0) { $0["timezone"] = "UTC" } },
        // send_mime
        row("send_mime without raw_message", 30822, route: .mime) { inBody(&$0) { $0["content"] = [String: Any]() } },
        row("a raw_message that is not a string", 30822, route: .mime) { inBody(&$0) { $0["content"] = ["raw_message": 5] } },
        row("html beside raw_message", 40002, route: .mime) { inBody(&$0) { $0["content"] = ["raw_message": message, "html": "<p>x</p>"] } },
        row("headers on send_mime", 40002, route: .mime) { inBody(&$0) { $0["headers"] = ["X-A": "b"] } },
        row("an empty raw_message", 30822, route: .mime) { raw(&$0, "") },
        row("a raw_message without a header", 30822, route: .mime) { raw(&$0, "\r\nHello") },
        row("a body without the empty line before it", 30822, route: .mime) { raw(&$0, "Subject: Hi\r\nHello") },
        row("a field name with a space", 30822, route: .mime) { raw(&$0, "Sub ject: Hi\r\n\r\nHello") },
        row("a multipart without a boundary", 30822, route: .mime) { raw(&$0, "Subject: Hi\nContent-Type: multipart/alternative\n\nHello") },
        row("no subject anywhere", 30807, route: .mime) { inBody(&$0) { $0["subject"] = nil }; raw(&$0, "From: a@example.com\n\nHello") },
    ]

    /// The three backends, each on a fresh store with one webhook for every event.
    static func backends(_ directory: TemporaryDirectory) async throws -> [(String, Mailing, LiveServer?)] {
        func local(_ store: any MailStore & DeliveryStore & AsyncMailStore & AsyncDeliveryStore) -> Mailing {
            LocalMailing(store: store, dispatcher: Dispatcher(store: store))
        }
        let sqlite = try SQLiteStore(path: directory.path + "/rules.sqlite")
        let server = try await LiveServer.start()
        let remote = try RemoteService(baseURL: server.baseURL, apiUser: "api_user", apiKey: "api_key", isInterrupted: { false })
        var backends: [(String, Mailing, LiveServer?)] = [("memory", local(MemoryStore()), nil), ("sqlite", local(sqlite), nil),
                                                    ("server", RemoteMailing(remote: remote), server)]
        if TestPostgres.available {
            let shared = try PostgresShellStore.open(try await TestPostgres.freshDatabase(), seal: try AppKeySeal.fromKeyFile(directory.path + "/seal.key"),
                                                     node: "rules")
            let dispatcher = Dispatcher(store: shared.store, node: "rules", lease: 5)
            backends.append(("postgres", LocalMailing(store: shared, mailer: Mailer(store: shared.store, dispatcher: dispatcher)), nil))
        }
        return backends
    }

    @Test func everyRuleOnEveryBackend() async throws {
        let directory = try TemporaryDirectory()
        for (name, mailing, server) in try await Self.backends(directory) {
            defer { _ = server?.stop() }
            for row in Self.rows {
                let body = try JSON.parse(row.body)
                do {
                    _ = try mailing.send(body, route: row.route, apiUser: nil, wait: nil)
                    Issue.record("\(name): \(row.description) was accepted")
                } catch {
                    #expect(error.code == row.code, "\(name): \(row.description): \(error.message)")
                }
            }
            // Nothing of any refused send reached the log; the valid one goes through.
            #expect(try mailing.mails(MailQuery()) == .object([("count", .int(0)), ("mails", .array([]))]), "\(name)")
            let sent = try mailing.send(try JSON.parse(Self.valid), route: .send, apiUser: nil, wait: nil)
            guard case .array(let ids)? = sent["email_ids"] else { Issue.record("\(name): \(sent.text)"); continue }
            #expect(ids.count == 2, "\(name)")
            // The invitation and the message are kept with each mail, on every store.
            for route in [MailRoute.calendar, .mime] {
                let sent = try mailing.send(try JSON.parse(Self.row("valid", 0, route: route) { _ in }.body), route: route, apiUser: nil, wait: nil)
                guard case .array(let ids)? = sent["email_ids"], case .string(let bob)? = ids.last else { Issue.record("\(name): \(sent.text)"); continue }
                let mail = try mailing.mail(bob)
                #expect(mail["subject"] == .string("Hi Bob"), "\(name) \(route)")
                if route == .calendar {
                    #expect(mail["calendar"]?["organizer"]?["email"] == .string("support@mail.engagelab.com"), "\(name): \(mail.text)")
                    #expect(mail["mime"] == nil && mail["html"] == .string("<p>Hi</p>"), "\(name)")
                } else {
                    #expect(mail["mime"] == .string(Self.message) && mail["text"] == .string("Hello") && mail["html"] == .string(""), "\(name): \(mail.text)")
                    #expect(mail["calendar"] == nil, "\(name)")
                }
            }
            let log = try mailing.mails(MailQuery())
            #expect(log["count"] == .int(6), "\(name): \(log.text)")
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
