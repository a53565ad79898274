import WebhookCore
import WhsLanguage
import WhsSupport

/// Turns shown values into text: aligned tables and `key: value` lines for people, one JSON
/// document per value for programs (`--json`, `set format json`).
public struct Renderer {
    public var format: Settings.Format
    public var color: Bool
    /// The terminal's width: tables are fitted to it. nil: not a terminal, output is whole.
    public var width: Int?
    public var expanded: Settings.Expanded

    public init(format: Settings.Format, color: Bool, width: Int? = nil, expanded: Settings.Expanded = .auto) {
        self.format = format
        self.color = color
        self.width = width
        self.expanded = expanded
    }

    public func render(_ value: Value) -> String {
        if format == .json { return Renderer.jsonText(value) }
        if format == .csv { return csv(value) }
        switch value {
        case .string(let text): return text
        case .list(let items):
            if let inbox = inboxTable(items) { return inbox }
            if let table = table(items) { return table }
            return value.literal
        case .object(let object):
            if let page = pageTable(object) { return page }
            if let deliveries = deliveriesTable(object) { return deliveries }
            if let scorecard = scorecardTable(object) { return scorecard }
            if let mails = mailsTable(object) { return mails }
            if let templates = templatesTable(object) { return templates }
            if let mail = mailTimeline(object) { return mail }
            return keyValueLines(object)
        default:
            return value.literal
        }
    }

    /// `{result, count, total}`: a table of the result and a footer with the counts.
    func pageTable(_ object: Object) -> String? {
        guard object.count == 3, object.pairs[0].key == "result", case .list(let items)? = object["result"],
              case .int(let count)? = object["count"], case .int(let total)? = object["total"] else { return nil }
        let footer = dim("(\(count) of \(total) webhook\(total == 1 ? "" : "s"))")
        if items.isEmpty { return footer }
        guard let body = table(items) else { return nil }
        return body + "\n" + footer
    }

    /// A list of objects as a table: one column per key (in first-seen order, `id` first).
    func table(_ items: [Value]) -> String? {
        var rows: [Object] = []
        var columns: [String] = []
        for item in items {
            guard case .object(let object) = item else { return nil }
            rows.append(object)
            for key in object.keys where !columns.contains(key) { columns.append(key) }
        }
        guard !rows.isEmpty else { return nil }
        if let id = columns.firstIndex(of: "id") { columns.insert(columns.remove(at: id), at: 0) }
        else if let code = columns.firstIndex(of: "code") { columns.insert(columns.remove(at: code), at: 0) }
        var cells = rows.map { row in columns.map { key in row[key].map { cell(key, $0) } ?? "" } }
        var widths = columns.map(\.count)
        for row in cells { for (index, text) in row.enumerated() { widths[index] = max(widths[index], Renderer.visibleCount(text)) } }
        if let width {
            switch fit(widths, headers: columns, into: width) {
            case .asIs: break
            case .cut(let fitted):
                widths = fitted
                cells = cells.map { row in row.enumerated().map { Renderer.cut($1, to: fitted[$0]) } }
            case .expanded: return records(columns, cells, width: width)
            }
        }
        func line(_ texts: [String]) -> String {
            var out = ""
            for (index, text) in texts.enumerated() {
                if index == texts.count - 1 { out += text; break }
                out += text + String(repeating: " ", count: widths[index] - Renderer.visibleCount(text) + 2)
            }
            return out
        }
        var lines = [bold(line(columns)), dim(line(widths.map { String(repeating: "-", count: $0) }))]
        lines += cells.map(line)
        return lines.joined(separator: "\n")
    }

    enum Fit: Equatable {
        case asIs
        case cut([Int])
        case expanded
    }

    /// How a table with these column widths goes into `width` columns: as it is, with its
    /// widest cells cut (no column narrower than its header, or 8), or as records.
    func fit(_ widths: [Int], headers: [String], into width: Int) -> Fit {
        let gaps = 2 * (widths.count - 1)
        if expanded == .on { return .expanded }
        if widths.reduce(0, +) + gaps <= width { return .asIs }
        let floors = zip(widths, headers).map { min($0, max($1.count, 8)) }
        if floors.reduce(0, +) + gaps > width { return expanded == .off ? .cut(floors) : .expanded }
        // Take a column at a time off the widest, until the table fits.
        var fitted = widths
        var excess = fitted.reduce(0, +) + gaps - width
        while excess > 0 {
            guard let widest = fitted.indices.filter({ fitted[$0] > floors[$0] }).max(by: { fitted[$0] < fitted[$1] }) else { break }
            let next = fitted.indices.filter { fitted[$0] < fitted[widest] }.map { fitted[$0] }.max() ?? floors[widest]
            let take = min(excess, fitted[widest] - max(next, floors[widest]), fitted[widest] - floors[widest])
            fitted[widest] -= max(1, take)
            excess -= max(1, take)
        }
        return .cut(fitted)
    }

    /// `text` in at most `width` characters, cut with `…`.
    static func cut(_ text: String, to width: Int) -> String {
        guard visibleCount(text) > width else { return text }
        return width <= 1 ? "…" : String(text.prefix(width - 1)) + "…"
    }

    /// Characters a cell shows: escape sequences (a dimmed `(all)`) take no columns. Cells that
    /// are cut never hold one: only short, dimmed markers do.
    static func visibleCount(_ text: String) -> Int {
        guard text.utf8.contains(0x1B) else { return text.count }
        var count = 0, inEscape = false
        for character in text {
            if inEscape { if character == "m" { inEscape = false }; continue }
            if character == "\u{1B}" { inEscape = true; continue }
            count += 1
        }
        return count
    }

    /// Rows as psql's expanded display: a `-[ RECORD n ]-` line, then `key | value` lines, the
    /// values cut to the width.
    func records(_ columns: [String], _ cells: [[String]], width: Int) -> String {
        let keyWidth = columns.map(\.count).max() ?? 0
        var lines: [String] = []
        for (index, row) in cells.enumerated() {
            let title = "-[ RECORD \(index + 1) ]"
            lines.append(dim(title + String(repeating: "-", count: max(0, min(width, keyWidth + 30) - title.count))))
            for (key, value) in zip(columns, row) {
                let label = key + String(repeating: " ", count: keyWidth - key.count)
                lines.append(bold(label) + " | " + Renderer.cut(value, to: max(1, width - keyWidth - 3)))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `key: value` lines with the values aligned, `id` first (a webhook reads best that way;
    /// its JSON keeps the wire order). Built as bytes: this runs for every webhook shown.
    func keyValueLines(_ object: Object) -> String {
        if object.isEmpty { return "{}" }
        var width = 0
        for pair in object.pairs { width = max(width, displayWidth(pair.key)) }
        var out: [UInt8] = []
        out.reserveCapacity(object.count * (width + 32))
        func append(_ text: String) {
            var text = text
            text.withUTF8 { out.append(contentsOf: $0) }
        }
        func line(_ pair: (key: String, value: Value)) {
            if !out.isEmpty { out.append(UInt8(ascii: "\n")) }
            append(bold(pair.key + ":"))
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: width - displayWidth(pair.key) + 1))
            append(cell(pair.key, pair.value))
        }
        let id = object.pairs.firstIndex { $0.key == "id" }
        if let id { line(object.pairs[id]) }
        for (position, pair) in object.pairs.enumerated() where position != id { line(pair) }
        return String(decoding: out, as: UTF8.self)
    }

    /// One value inside a table or a `key: value` line. A webhook's `event` list reads as
    /// names (`deliver, open`) for people; JSON keeps the codes.
    func cell(_ key: String, _ value: Value) -> String {
        // At a terminal an event list of all nine reads as (all); scripts and JSON keep the list.
        if key == "event", width != nil, case .list(let items) = value, items.count == EventType.all.count,
           Set(items.compactMap { if case .int(let code) = $0 { code } else { nil } }) == Set(EventType.all.map(\.code)) {
            return dim("(all)")
        }
        if key == "event", case .list(let items) = value {
            var names = ""
            for item in items {
                guard case .int(let code) = item, let event = EventType.withCode(code) else { return value.plainText }
                if !names.isEmpty { names += ", " }
                names += event.name
            }
            if !names.isEmpty { return names }
        }
        if key == "api_user", value == .string("") { return dim("(all)") }
        return value.plainText
    }

    /// Columns a text takes: its characters, counted the cheap way when it is ASCII.
    func displayWidth(_ text: String) -> Int {
        text.utf8.allSatisfy { $0 < 0x80 } ? text.utf8.count : text.count
    }

    func bold(_ text: String) -> String { color ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
    func dim(_ text: String) -> String { color ? "\u{1B}[2m\(text)\u{1B}[0m" : text }
}
