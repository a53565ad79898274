import WhsSupport

/// `body.calendar` of `/v1/mail/sendcalendar` (docs/SENDING.md, "Calendar mail"): an
/// invitation, checked field by field. Every broken rule is a 30821 that names the field; a
/// field the invitation does not have is a 40002 with a "did you mean".
extension MailRules {
    static let calendarFields = ["time_zone_id", "start_time", "end_time", "title", "organizer", "location"]
    static let organizerFields = ["name", "email"]
    /// The areas of the IANA time zone database's names (`Area/Location`).
    static let timeZoneAreas: Set<String> = ["Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe",
                                             "Indian", "Pacific", "Etc"]

    /// The invitation, its fields in a fixed order (time_zone_id, start_time, end_time, title,
    /// organizer with name and email, location), as the mail log keeps it.
    static func calendar(_ body: [(key: String, value: JSON)]) throws(WebhookError) -> JSON {
        guard let given = value(body, "calendar") else {
            throw reject(.calendarInvalid, "body.calendar is required on sendcalendar: an object with time_zone_id, start_time, end_time, title and organizer")
        }
        guard case .object(let fields) = given else { throw reject(.calendarInvalid, "body.calendar must be an object, got \(kind(given))") }
        try known(fields, calendarFields, where: "body.calendar.")
        func string(_ name: String, in fields: [(key: String, value: JSON)], at path: String, required: Bool) throws(WebhookError) -> String? {
            switch value(fields, name) {
            case nil:
                if required { throw reject(.calendarInvalid, "\(path)\(name) is required") }
                return nil
            case .string(let text)?: return text
            case let other?: throw reject(.calendarInvalid, "\(path)\(name) must be a string, got \(kind(other))")
            }
        }
        let at = "body.calendar."
        let zone = try string("time_zone_id", in: fields, at: at, required: true)!
        guard isTimeZoneName(zone) else {
            throw reject(.calendarInvalid, "body.calendar.time_zone_id must be an IANA time zone name such as Asia/Shanghai or UTC, got \(Validation.quoted(String(zone.prefix(80))))")
        }
        let start = try string("start_time", in: fields, at: at, required: true)!
        try checkDateTime(start, field: "start_time")
        let end = try string("end_time", in: fields, at: at, required: true)!
        try checkDateTime(end, field: "end_time")
        // Fixed-width digits: the order of the texts is the order of the times.
        guard end > start else { throw reject(.calendarInvalid, "body.calendar.end_time (\(end)) must be after start_time (\(start))") }
        let title = try string("title", in: fields, at: at, required: true)!
        guard !title.isEmpty else { throw reject(.calendarInvalid, "body.calendar.title must not be empty") }

        guard let organizerGiven = value(fields, "organizer") else {
            throw reject(.calendarInvalid, "body.calendar.organizer is required: an object with email (and name)")
        }
        guard case .object(let organizer) = organizerGiven else {
            throw reject(.calendarInvalid, "body.calendar.organizer must be an object with email (and name), got \(kind(organizerGiven))")
        }
        try known(organizer, organizerFields, where: "body.calendar.organizer.")
        let email = try string("email", in: organizer, at: "body.calendar.organizer.", required: true)!
        guard isAddress(email) else {
            throw reject(.calendarInvalid, "body.calendar.organizer.email must be an address (addr@host), got \(Validation.quoted(String(email.prefix(80))))")
        }
        let name = try string("name", in: organizer, at: "body.calendar.organizer.", required: false)
        let location = try string("location", in: fields, at: at, required: false)

        var who: [(key: String, value: JSON)] = []
        if let name { who.append(("name", .string(name))) }
        who.append(("email", .string(email)))
        var out: [(key: String, value: JSON)] = [
            ("time_zone_id", .string(zone)), ("start_time", .string(start)), ("end_time", .string(end)), ("title", .string(title)),
            ("organizer", .object(who)),
        ]
        if let location { out.append(("location", .string(location))) }
        return .object(out)
    }

    /// `UTC`, `GMT`, or `Area/Location` (and `Area/Location/Sub`) with an area of the IANA
    /// database and locations of letters, digits, `_`, `+` and `-`, each beginning with a letter.
    /// The name's shape is checked, not that the database has it.
    public static func isTimeZoneName(_ name: String) -> Bool {
        if name == "UTC" || name == "GMT" { return true }
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), timeZoneAreas.contains(String(parts[0])) else { return false }
        return parts.dropFirst().allSatisfy { part in
            guard (1...30).contains(part.utf8.count), let first = part.utf8.first, isLetter(first) else { return false }
            return part.utf8.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") }
        }
    }

    static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    /// `YYYY-MM-DD HH:MM:SS`, a day the calendar has (year 1 to 9999) and a time of that day.
    static func checkDateTime(_ text: String, field: String) throws(WebhookError) {
        let bytes = Array(text.utf8)
        let shape = Array("dddd-dd-dd dd:dd:dd".utf8)
        let written = bytes.count == shape.count && zip(bytes, shape).allSatisfy { byte, expected in
            expected == UInt8(ascii: "d") ? (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) : byte == expected
        }
        guard written else {
            throw reject(.calendarInvalid, "body.calendar.\(field) must be written YYYY-MM-DD HH:MM:SS, got \(Validation.quoted(String(text.prefix(80))))")
        }
        func number(_ from: Int, _ count: Int) -> Int { bytes[from..<(from + count)].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) } }
        let (year, month, day) = (number(0, 4), number(5, 2), number(8, 2))
        let (hour, minute, second) = (number(11, 2), number(14, 2), number(17, 2))
        guard year >= 1, (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else {
            throw reject(.calendarInvalid, "body.calendar.\(field) \(Validation.quoted(text)) is not a day of the calendar")
        }
        guard hour < 24, minute < 60, second < 60 else {
            throw reject(.calendarInvalid, "body.calendar.\(field) \(Validation.quoted(text)) is not a time of day (00:00:00 to 23:59:59)")
        }
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
