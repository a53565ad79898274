import WebhookCore
import WhsLanguage

/// `set format csv` and `--csv`: RFC 4180 for spreadsheets and Python's csv module. Records end
/// with CRLF, as the RFC and sqlite3's `.mode csv` write them; a field holding a comma, a quote
/// or a line break is quoted, its quotes doubled; the first record names the columns. A
/// webhook's events are their names (`deliver,open`), a secret is masked as on screen.
extension Renderer {
    func csv(_ value: Value) -> String {
        switch value {
        case .string(let text): return text  // a message (`record`, `connect`): as on screen
        case .null: return ""
        case .list(let items): return csvRows(items)
        case .object(let object):
            if let rows = Renderer.rowList(of: object) { return csvRows(rows) }
            return csvRows([value])
        default: return csvRecords([["value"], [Renderer.csvCell("value", value)]])
        }
    }

    /// A page (`{result, count, total}`), a log (`{count, deliveries}`), an inbox: an object
    /// whose one list holds the rows and whose other members are counts.
    static func rowList(of object: Object) -> [Value]? {
        var rows: [Value]?
        for (_, member) in object.pairs {
            switch member {
            case .list(let items) where items.allSatisfy({ if case .object = $0 { true } else { false } }):
                if rows != nil { return nil }
                rows = items
            case .list, .object: return nil
            default: continue
            }
        }
        return rows
    }

    /// Objects as one record each under a header of their keys (first seen first, `id` first);
    /// other values as a single `value` column.
    func csvRows(_ items: [Value]) -> String {
        var columns: [String] = []
        var objects: [Object] = []
        for item in items {
            guard case .object(let object) = item else {
                return csvRecords([["value"]] + items.map { [Renderer.csvCell("value", $0)] })
            }
            objects.append(object)
            for key in object.keys where !columns.contains(key) { columns.append(key) }
        }
        if let id = columns.firstIndex(of: "id") { columns.insert(columns.remove(at: id), at: 0) }
        guard !columns.isEmpty else { return "" }
        return csvRecords([columns] + objects.map { object in columns.map { key in object[key].map { Renderer.csvCell(key, $0) } ?? "" } })
    }

    /// Records joined by CRLF; the last one's CR too, so that the shell's newline ends it.
    func csvRecords(_ records: [[String]]) -> String {
        records.map { $0.map(Renderer.csvField).joined(separator: ",") }.joined(separator: "\r\n") + "\r"
    }

    static func csvField(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }) else { return text }
        var quoted = "\""
        for character in text { quoted += character == "\"" ? "\"\"" : String(character) }
        return quoted + "\""
    }

    /// One cell: text as it is, events by name, lists of words joined by commas, anything
    /// nested as JSON, null empty, a secret masked.
    static func csvCell(_ key: String, _ value: Value) -> String {
        switch value {
        case .null: return ""
        case .string(let text): return text
        case .list(let items):
            if key == "event", let names = eventNames(items) { return names }
            if items.allSatisfy({ if case .list = $0 { false } else if case .object = $0 { false } else { true } }) {
                return items.map { csvCell("", $0) }.joined(separator: ",")
            }
            return value.json().text
        case .object: return value.json().text
        default: return value.plainText
        }
    }

    static func eventNames(_ items: [Value]) -> String? {
        var names: [String] = []
        for item in items {
            guard case .int(let code) = item, let event = EventType.withCode(code) else { return nil }
            names.append(event.name)
        }
        return names.joined(separator: ",")
    }
}
