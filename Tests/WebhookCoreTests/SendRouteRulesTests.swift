import Testing
import WebhookCore
import WhsSupport

/// The rules of the routes beyond send (docs/SENDING.md): sendcalendar's invitation field by
/// field, send_mime's message and subject, and `vars` keys in both forms. Each refusal has its
/// code and names the field.
@Suite struct SendRouteRulesTests {
    static let invitation = #"{"time_zone_id":"Asia/Shanghai","start_time":"2026-06-10 10:00:00","end_time":"2026-06-10 11:00:00","title":"Project Meeting","organizer":{"name":"EngageLab","email":"support@mail.engagelab.com"},"location":"Online"}"#

    static func send(calendar: String) throws -> JSON {
        try JSON.parse(#"{"from":"s@example.com","to":["a@example.com"],"body":{"subject":"Meeting","content":{"html":"<p>Join</p>"},"calendar":\#(calendar)}}"#)
    }

    static func send(mime: String, subject: String? = nil, extra: String = "") throws -> JSON {
        let subjectField = subject.map { #""subject":\#(JSON.quote($0)),"# } ?? ""
        return try JSON.parse(#"{"from":"s@example.com","to":["a@example.com"],"body":{\#(subjectField)"content":{"raw_message":\#(JSON.quote(mime))}\#(extra)}}"#)
    }

    /// `invitation` with one field replaced (nil: left out).
    static func calendar(_ field: String, _ value: String?) -> String {
        guard case .object(var fields)? = try? JSON.parse(invitation) else { return "" }
        fields.removeAll { $0.key == field }
        if let value { fields.append((field, try! JSON.parse(value))) }
        return JSON.object(fields).text
    }

    @Test func theREADMEsInvitationIsKeptInItsOrder() throws {
        let request = try MailRules.request(try Self.send(calendar: Self.invitation), route: .calendar)
        #expect(request.calendar?.text == Self.invitation)
        #expect(request.html == "<p>Join</p>" && request.subject == "Meeting")
    }

    @Test(arguments: ["UTC", "GMT", "Asia/Shanghai", "America/Argentina/Buenos_Aires", "Etc/GMT+8", "America/Port-au-Prince"])
    func timeZoneNames(_ zone: String) throws {
        let request = try MailRules.request(try Self.send(calendar: Self.calendar("time_zone_id", JSON.quote(zone))), route: .calendar)
        #expect(request.calendar?["time_zone_id"] == .string(zone))
    }

    @Test(arguments: [
        ("2024-02-29 00:00:00", "2024-02-29 00:00:01"),
        ("2026-12-31 23:59:58", "2026-12-31 23:59:59"),
        ("2026-06-10 23:00:00", "2026-06-11 00:30:00"),
        ("2000-02-29 09:00:00", "2100-01-01 09:00:00"),
    ])
    func timesThatAreAccepted(_ start: String, _ end: String) throws {
        var calendar = Self.calendar("start_time", JSON.quote(start))
        calendar = calendar.replacing("\"2026-06-10 11:00:00\"", with: JSON.quote(end))
        #expect(try MailRules.request(try Self.send(calendar: calendar), route: .calendar).calendar?["end_time"] == .string(end))
    }

    /// Each broken field: its code, and the words that name it.
    @Test(arguments: [
        (calendar("time_zone_id", nil), 30821, "body.calendar.time_zone_id is required"),
        (calendar("time_zone_id", #""Shanghai""#), 30821, "body.calendar.time_zone_id must be an IANA time zone name"),
        (calendar("time_zone_id", #""asia/shanghai""#), 30821, "body.calendar.time_zone_id"),
        (calendar("time_zone_id", #""Asia/""#), 30821, "body.calendar.time_zone_id"),
        (calendar("time_zone_id", #""Asia/Shanghai ""#), 30821, "body.calendar.time_zone_id"),
        (calendar("time_zone_id", "8"), 30821, "body.calendar.time_zone_id must be a string"),
        (calendar("start_time", nil), 30821, "body.calendar.start_time is required"),
        (calendar("start_time", #""2026-06-10 10:00""#), 30821, "body.calendar.start_time must be written YYYY-MM-DD HH:MM:SS"),
        (calendar("start_time", #""2026-6-10 10:00:00""#), 30821, "body.calendar.start_time must be written"),
        (calendar("start_time", #""2026-13-01 10:00:00""#), 30821, "body.calendar.start_time \"2026-13-01 10:00:00\" is not a day"),
        (calendar("start_time", #""2026-04-31 10:00:00""#), 30821, "is not a day of the calendar"),
        (calendar("start_time", #""2100-02-29 10:00:00""#), 30821, "is not a day of the calendar"),
        (calendar("start_time", #""0000-01-01 10:00:00""#), 30821, "is not a day of the calendar"),
        (calendar("start_time", #""2026-06-10 10:60:00""#), 30821, "body.calendar.start_time \"2026-06-10 10:60:00\" is not a time of day"),
        (calendar("end_time", #""2026-06-10 10:00:00""#), 30821, "body.calendar.end_time (2026-06-10 10:00:00) must be after start_time"),
        (calendar("end_time", #""2025-06-10 11:00:00""#), 30821, "must be after start_time"),
        (calendar("end_time", nil), 30821, "body.calendar.end_time is required"),
        (calendar("title", nil), 30821, "body.calendar.title is required"),
        (calendar("title", #""""#), 30821, "body.calendar.title must not be empty"),
        (calendar("title", "null"), 30821, "body.calendar.title must be a string"),
        (calendar("organizer", nil), 30821, "body.calendar.organizer is required"),
        (calendar("organizer", #""support@mail.engagelab.com""#), 30821, "body.calendar.organizer must be an object"),
        (calendar("organizer", #"{"name":"x"}"#), 30821, "body.calendar.organizer.email is required"),
        (calendar("organizer", #"{"email":"EngageLab <s@example.com>"}"#), 30821, "body.calendar.organizer.email must be an address"),
        (calendar("organizer", #"{"email":"s@example.com","name":1}"#), 30821, "body.calendar.organizer.name must be a string"),
        (calendar("organizer", #"{"email":"s@example.com","nme":"x"}"#), 40002, #"unknown field body.calendar.organizer.nme; did you mean "name"?"#),
        (calendar("location", "true"), 30821, "body.calendar.location must be a string"),
        (calendar("titel", #""x""#), 40002, #"unknown field body.calendar.titel; did you mean "title"?"#),
        ("[]", 30821, "body.calendar must be an object"),
    ])
    func brokenInvitations(_ calendar: String, _ code: Int, _ words: String) throws {
        let body = try Self.send(calendar: calendar)
        do {
            _ = try MailRules.request(body, route: .calendar)
            Issue.record("accepted \(calendar)")
        } catch {
            #expect(error.code == code, "\(calendar): \(error.message)")
            #expect(error.message.contains(words), "\(calendar): \(error.message)")
        }
    }

    @Test func sendcalendarNeedsItsInvitationAndSendRefusesOne() throws {
        let without = try JSON.parse(#"{"from":"s@example.com","to":["a@example.com"],"body":{"subject":"s","content":{"text":"t"}}}"#)
        #expect(throws: WebhookError.sendRejected(code: 30821, "body.calendar is required on sendcalendar: an object with time_zone_id, start_time, end_time, title and organizer")) {
            try MailRules.request(without, route: .calendar)
        }
        #expect(throws: (any Error).self) { try MailRules.request(try Self.send(calendar: Self.invitation), route: .send) }
        #expect(throws: (any Error).self) { try MailRules.request(try Self.send(calendar: Self.invitation), route: .template) }
    }

    // MARK: send_mime

    @Test func theMessagesSubjectStandsInForBodySubject() throws {
        let raw = "From: test@example.com\r\nSubject: From the header\r\n\r\nHello"
        #expect(try MailRules.request(try Self.send(mime: raw), route: .mime).subject == "From the header")
        #expect(try MailRules.request(try Self.send(mime: raw, subject: ""), route: .mime).subject == "From the header")
        let given = try MailRules.request(try Self.send(mime: raw, subject: "Given"), route: .mime)
        #expect(given.subject == "Given" && given.mime == raw && given.text == "Hello" && given.html == "")
    }

    @Test(arguments: [
        ("Subject: Hi\r\nHello", "", 30822, "body.content.raw_message is not an RFC 5322 message: line 2: \"Hello\" is not a header field"),
        ("From: a@example.com\r\n\r\nHello", "", 30807, "body.subject is required when body.content.raw_message has no Subject header"),
        ("Subject: \(String(repeating: "s", count: 257))\r\n\r\nx", "", 30807, "the Subject header of body.content.raw_message is longer than 256"),
        ("Subject: Hi\r\n\r\nx", #","reply_to":["r@example.com"]"#, 40002, "unknown field body.reply_to"),
        ("Subject: Hi\r\n\r\nx", #","attachments":[]"#, 40002, "unknown field body.attachments"),
        ("Subject: Hi\r\n\r\nx", #","preview_text":"p""#, 40002, "unknown field body.preview_text"),
    ])
    func brokenMessages(_ raw: String, _ extra: String, _ code: Int, _ words: String) throws {
        let body = try Self.send(mime: raw, extra: extra)
        do {
            _ = try MailRules.request(body, route: .mime)
            Issue.record("accepted \(raw.debugDescription)")
        } catch {
            #expect(error.code == code, "\(error.message)")
            #expect(error.message.contains(words), "\(error.message)")
        }
    }

    // MARK: vars

    @Test func varsKeysWithAndWithoutPercentSignsNameTheSameVariable() throws {
        for key in ["name", "%name%", "%name", "name%"] {
            let body = try JSON.parse(#"{"from":"s@example.com","to":["a@example.com","b@example.com"],"body":{"subject":"Hi %name%","content":{"text":"t"},"vars":{\#(JSON.quote(key)):["Ann","Bob"]}}}"#)
            let request = try MailRules.request(body, route: .send)
            #expect(request.vars.map(\.name) == ["name"], "\(key)")
            #expect(request.variables(forRecipient: 1).first?.pattern == "%name%", "\(key)")
        }
    }

    @Test(arguments: [
        (#"{"%":["A"]}"#, #"body.vars key "%" is not a variable name"#),
        (#"{"%%":["A"]}"#, #"body.vars key "%%" is not a variable name"#),
        (#"{"":["A"]}"#, #"body.vars key "" is not a variable name"#),
        (#"{"%a%b%":["A"]}"#, #"body.vars key "%a%b%" is not a variable name"#),
        (#"{"%%a%%":["A"]}"#, #"body.vars key "%%a%%" is not a variable name"#),
        (#"{"a":["A"],"%a%":["B"]}"#, #"body.vars names a twice: as "a" and "%a%""#),
    ])
    func brokenVarsKeys(_ vars: String, _ words: String) throws {
        let body = try JSON.parse(#"{"from":"s@example.com","to":["a@example.com"],"body":{"subject":"s","content":{"text":"t"},"vars":\#(vars)}}"#)
        do {
            _ = try MailRules.request(body, route: .send)
            Issue.record("accepted \(vars)")
        } catch {
            #expect(error.code == 30811 && error.message.hasPrefix(words), "\(error.message)")
        }
    }
}
