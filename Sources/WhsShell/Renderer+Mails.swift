import WhsLanguage
import WhsSupport

/// The mail log for people: one row per mail, and one mail as its header, its content and a
/// timeline of events with the pushes each caused (as Mailpit shows a message). `--json`
/// shows the whole documents.
extension Renderer {
    /// `{count, mails}`: id, to, subject, events, created.
    func mailsTable(_ object: Object) -> String? {
        guard object.count == 2, case .list(let items)? = object["mails"], case .int(let count)? = object["count"] else { return nil }
        var rows: [Value] = []
        for item in items {
            guard case .object(let mail) = item else { return nil }
            var events = ""
            if case .list(let names)? = mail["events"] { events = names.map(\.plainText).joined(separator: " > ") }
            rows.append(.object(Object(["id", "to", "subject"].map { ($0, mail[$0] ?? .null) } + [("events", .string(events)), ("created", mail["created"] ?? .null)])))
        }
        let footer = dim("(\(count) mail\(count == 1 ? "" : "s"))")
        guard let body = table(rows) else { return footer }
        return body + "\n" + footer
    }

    /// `{count, templates}`: name, subject, updated.
    func templatesTable(_ object: Object) -> String? {
        guard object.count == 2, case .list(let items)? = object["templates"], case .int(let count)? = object["count"] else { return nil }
        var rows: [Value] = []
        for item in items {
            guard case .object(let template) = item else { return nil }
            rows.append(.object(Object(["name", "subject", "updated"].map { ($0, template[$0] ?? .null) })))
        }
        let footer = dim("(\(count) template\(count == 1 ? "" : "s"))")
        guard let body = table(rows) else { return footer }
        return body + "\n" + footer
    }

    /// A sendcalendar's invitation on one line: `Title, START to END (ZONE), organizer WHO, at PLACE`.
    func invitation(_ calendar: Object) -> String {
        func text(_ value: Value?) -> String { value?.plainText ?? "" }
        var line = "\(text(calendar["title"])), \(text(calendar["start_time"])) to \(text(calendar["end_time"])) (\(text(calendar["time_zone_id"])))"
        if case .object(let organizer)? = calendar["organizer"] {
            let name = text(organizer["name"]), email = text(organizer["email"])
            line += ", organizer " + (name.isEmpty ? email : "\(name) <\(email)>")
        }
        if let location = calendar["location"] { line += ", at \(text(location))" }
        return line
    }

    /// One mail: who and what, then the timeline.
    func mailTimeline(_ object: Object) -> String? {
        guard case .list(let events)? = object["events"], object["email_id"] != nil, object["task_id"] != nil else { return nil }
        let shown = ["id", "email_id", "from", "to", "subject", "custom_args", "template", "created"]
        var header = Object(shown.compactMap { key in
            guard let value = object[key], value != .null else { return nil }
            return (key, value)
        })
        if case .string(let text)? = object["text"], !text.isEmpty { header["text"] = .string(text) }
        else if case .string(let html)? = object["html"] { header["html"] = .string(html) }
        if case .object(let calendar)? = object["calendar"] { header["calendar"] = .string(invitation(calendar)) }
        if case .string(let source)? = object["mime"] {
            // The source's lines under its first, where `key: value` lines put values.
            let column = String(repeating: " ", count: (header.pairs.map { displayWidth($0.key) } + [4]).max()! + 2)
            let lines = source.replacing("\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            header["mime"] = .string(lines.enumerated().map { $0.offset == 0 || $0.element.isEmpty ? String($0.element) : column + $0.element }.joined(separator: "\n"))
        }
        var rows: [Value] = []
        for item in events {
            guard case .object(let event) = item else { return nil }
            var pushes: [Value] = []
            if case .list(let list)? = event["deliveries"] { pushes = list }
            let detail = event["url"]?.plainText ?? ""
            if pushes.isEmpty {
                rows.append(.object(Object([("time", event["time"] ?? .null), ("event", event["event"] ?? .null), ("url", .string(detail)),
                                            ("delivery", .string("-")), ("webhook", .string("-")), ("state", .string("no webhook")), ("last", .string(""))])))
            }
            for push in pushes {
                guard case .object(let delivery) = push else { continue }
                let row = deliveryRow(delivery)
                rows.append(.object(Object([("time", event["time"] ?? .null), ("event", event["event"] ?? .null), ("url", .string(detail)),
                                            ("delivery", row["id"] ?? .null), ("webhook", row["webhook"] ?? .null),
                                            ("state", row["state"] ?? .null), ("last", row["last"] ?? .null)])))
            }
        }
        if !rows.contains(where: { if case .object(let row) = $0 { return row["url"] != .string("") } else { return false } }) {
            rows = rows.map { row in
                guard case .object(var fields) = row else { return row }
                fields["url"] = nil
                return .object(fields)
            }
        }
        return keyValueLines(header) + "\n" + (table(rows) ?? dim("(no events)"))
    }
}
