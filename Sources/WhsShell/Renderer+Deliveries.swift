import WhsLanguage
import WhsSupport

/// Tables for the delivery commands: one row per delivery with its last attempt, one row per
/// received push. `--json` shows the whole documents.
extension Renderer {
    /// `{message_id?, count, deliveries, note?}` as a table, a footer and the note.
    func deliveriesTable(_ object: Object) -> String? {
        guard case .list(let items)? = object["deliveries"], case .int(let count)? = object["count"] else { return nil }
        var rows: [Value] = []
        for item in items {
            guard case .object(let delivery) = item else { return nil }
            rows.append(.object(deliveryRow(delivery)))
        }
        var lines: [String] = []
        if case .string(let messageID)? = object["message_id"] { lines.append(dim("message_id: \(messageID)")) }
        if let body = table(rows) { lines.append(body) }
        lines.append(dim("(\(count) deliver\(count == 1 ? "y" : "ies"))"))
        if case .string(let note)? = object["note"] { lines.append(dim("note: \(note)")) }
        return lines.joined(separator: "\n")
    }

    /// id, webhook, event, state, attempts, the last attempt's outcome, what comes next, url.
    func deliveryRow(_ delivery: Object) -> Object {
        var attempts: [Value] = []
        if case .list(let list)? = delivery["attempts"] { attempts = list }
        var last = "-"
        if case .object(let attempt)? = attempts.last {
            let latency = attempt["latency_ms"].map { " in \($0.plainText) ms" } ?? ""
            if case .string(let error)? = attempt["error"] { last = error + latency }
            else if case .int(let status)? = attempt["status"] { last = "\(status)\(latency)" }
        }
        var pairs: [(String, Value)] = [
            ("id", delivery["id"] ?? .null),
            ("webhook", delivery["webhook_id"] ?? .null),
            ("event", delivery["event"] ?? .null),
            ("state", delivery["state"] ?? .null),
            ("attempts", .int(attempts.count)),
            ("last", .string(last)),
        ]
        if case .string(let next)? = delivery["next_attempt"] { pairs.append(("next", .string(next))) }
        pairs.append(("url", delivery["url"] ?? .null))
        return Object(pairs)
    }

    /// Received pushes: time, event, message id, signature verdict, status; not the body.
    func inboxTable(_ items: [Value]) -> String? {
        var rows: [Value] = []
        for item in items {
            guard case .object(let push) = item, push["signature"] != nil, push["body"] != nil else { return nil }
            rows.append(.object(Object(["time", "event", "message_id", "signature", "status"].map { ($0, push[$0] ?? .null) })))
        }
        return table(rows)
    }
}
