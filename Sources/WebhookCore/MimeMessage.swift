import WhsSupport

/// A message as `send_mime` takes it in `body.content.raw_message` (docs/SENDING.md, "MIME
/// mail"): RFC 5322 text, read just far enough to check its shape and to give the mail log an
/// html and a text body.
///
/// The shape: header fields `Name: value` (a name of printable ASCII without `:`; a line that
/// begins with a space or a tab continues the field before it), then an empty line, then the
/// body. Lines end with CRLF or with LF alone; a CR anywhere else in the header is refused.
/// A message of header fields only (no empty line, no body) is well formed.
///
/// The content: a single-part message is html when its Content-Type is text/html, text
/// otherwise. A multipart one (any `multipart/*`, nested ones included, down to
/// `maxDepth`) gives its first text/plain part as text and its first text/html part as html;
/// parts with `Content-Disposition: attachment` and every other type are skipped. A part's
/// `Content-Transfer-Encoding` base64 or quoted-printable is decoded; bytes are read as UTF-8
/// whatever the charset says.
public struct MimeMessage: Sendable, Equatable {
    /// One header field, unfolded (continuation lines joined, the line breaks removed).
    public struct Field: Sendable, Equatable {
        public let name: String
        public let value: String
        /// Where it begins in the message, from 1.
        public let line: Int
    }

    /// Why a text is not a message, and the line where that shows.
    public struct Malformed: Error, Equatable, CustomStringConvertible {
        public let line: Int
        public let reason: String

        public var description: String { "line \(line): \(reason)" }
    }

    public let fields: [Field]
    /// What a mail client shows as html and as plain text; "" when the message has none.
    public let html: String
    public let text: String

    /// How deep multipart parts are looked into for the html and text.
    public static let maxDepth = 8

    /// The first field of that name (any case), its value trimmed.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return fields.first { $0.name.lowercased() == wanted }.map { String($0.value.trimmingBlanks) }
    }

    /// Reads `text`, or says which line breaks the shape.
    public static func parse(_ text: String) throws(Malformed) -> MimeMessage {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw Malformed(line: 1, reason: "the message is empty: it needs header fields (Name: value), an empty line, then the body") }
        let top = try entity(bytes[...], firstLine: 1)
        guard !top.fields.isEmpty else {
            throw Malformed(line: 1, reason: "the message begins with an empty line: it needs at least one header field (Name: value) before it")
        }
        var content = Content()
        try collect(top, depth: 0, into: &content, single: true)
        return MimeMessage(fields: top.fields, html: content.html ?? "", text: content.text ?? "")
    }

    // MARK: entities

    /// A message or a part: its header fields and its body.
    struct Entity {
        let fields: [Field]
        let body: ArraySlice<UInt8>
        /// The line the body begins on.
        let bodyLine: Int

        func header(_ name: String) -> Field? { fields.first { $0.name.lowercased() == name } }
    }

    static let lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r"), space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")

    /// The header fields up to the first empty line, and the body after it. A part may have no
    /// fields (it begins with the empty line).
    static func entity(_ bytes: ArraySlice<UInt8>, firstLine: Int) throws(Malformed) -> Entity {
        var fields: [(name: String, value: [UInt8], line: Int)] = []
        var index = bytes.startIndex
        var line = firstLine
        func finished() -> [Field] {
            fields.map { Field(name: $0.name, value: String(decoding: $0.value, as: UTF8.self), line: $0.line) }
        }
        while index < bytes.endIndex {
            let end = bytes[index...].firstIndex(of: lf) ?? bytes.endIndex
            var content = bytes[index..<end]
            let next = end < bytes.endIndex ? end + 1 : end
            if end < bytes.endIndex, content.last == cr { content = content.dropLast() }
            if content.isEmpty { return Entity(fields: finished(), body: bytes[next...], bodyLine: line + 1) }
            if content.contains(cr) { throw Malformed(line: line, reason: "a carriage return (CR) inside the line: lines end with CRLF or LF") }
            if content.first == space || content.first == tab {
                guard !fields.isEmpty else {
                    throw Malformed(line: line, reason: "\(shown(content)) begins with white space, but a folded line must continue a header field")
                }
                fields[fields.count - 1].value += content
            } else {
                guard let colon = content.firstIndex(of: UInt8(ascii: ":")) else {
                    throw Malformed(line: line, reason: "\(shown(content)) is not a header field (Name: value), and no empty line comes before it to begin the body")
                }
                let name = content[..<colon]
                guard !name.isEmpty else { throw Malformed(line: line, reason: "\(shown(content)) has no field name before its colon") }
                guard name.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                    throw Malformed(line: line, reason: "\(shown(name)) is not a header field name: printable ASCII without spaces or colons")
                }
                fields.append((String(decoding: name, as: UTF8.self), Array(content[(colon + 1)...]), line))
            }
            index = next
            line += 1
        }
        return Entity(fields: finished(), body: bytes[bytes.endIndex...], bodyLine: line)
    }

    /// A line as an error shows it: quoted, at most 60 characters.
    static func shown(_ bytes: ArraySlice<UInt8>) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        return JSON.quote(text.count > 60 ? String(text.prefix(60)) + "..." : text)
    }

    // MARK: content

    struct Content {
        var html: String?
        var text: String?
    }

    /// Fills the html and text from `entity`; `single` for a message that is not multipart.
    static func collect(_ entity: Entity, depth: Int, into content: inout Content, single: Bool) throws(Malformed) {
        let type = entity.header("content-type").map { contentType($0.value) } ?? (kind: "text/plain", parameters: [])
        if type.kind.hasPrefix("multipart/") {
            guard depth < maxDepth else { return }
            let line = entity.header("content-type")?.line ?? entity.bodyLine
            guard let boundary = type.parameters.first(where: { $0.name == "boundary" })?.value, !boundary.isEmpty else {
                throw Malformed(line: line, reason: "Content-Type \(type.kind) has no boundary parameter")
            }
            for part in try parts(of: entity, boundary: boundary, typeLine: line) {
                try collect(try self.entity(part.bytes, firstLine: part.line), depth: depth + 1, into: &content, single: false)
            }
            return
        }
        if let disposition = entity.header("content-disposition"), contentType(disposition.value).kind == "attachment" { return }
        let decoded = decode(entity.body, encoding: entity.header("content-transfer-encoding").map { String($0.value.trimmingBlanks).lowercased() })
        if type.kind == "text/html" {
            if content.html == nil { content.html = decoded }
        } else if single || type.kind == "text/plain" {
            if content.text == nil { content.text = decoded }
        }
    }

    /// The parts of a multipart body: what lies between `--boundary` lines, up to
    /// `--boundary--` (or the end). The line break before a delimiter belongs to it.
    static func parts(of entity: Entity, boundary: String, typeLine: Int) throws(Malformed) -> [(bytes: ArraySlice<UInt8>, line: Int)] {
        let delimiter = Array("--\(boundary)".utf8)
        let body = entity.body
        var found: [(bytes: ArraySlice<UInt8>, line: Int)] = []
        var open: (start: Int, line: Int)?
        var index = body.startIndex
        var line = entity.bodyLine
        var delimited = false
        while index < body.endIndex {
            let end = body[index...].firstIndex(of: lf) ?? body.endIndex
            var content = body[index..<end]
            if content.last == cr { content = content.dropLast() }
            let next = end < body.endIndex ? end + 1 : end
            if content.starts(with: delimiter) {
                let rest = content.dropFirst(delimiter.count)
                let closing = rest.starts(with: [UInt8(ascii: "-"), UInt8(ascii: "-")])
                let padding = closing ? rest.dropFirst(2) : rest
                if padding.allSatisfy({ $0 == space || $0 == tab }) {
                    if let part = open { found.append((trimmedBreak(body[part.start..<index]), part.line)) }
                    delimited = true
                    open = closing ? nil : (next, line + 1)
                    if closing { break }
                }
            }
            index = next
            line += 1
        }
        if let part = open { found.append((body[part.start...], part.line)) }
        guard delimited else { throw Malformed(line: typeLine, reason: "the multipart body has no --\(boundary) line to begin its first part") }
        return found
    }

    /// `bytes` without the one line break (CRLF or LF) that ends it.
    static func trimmedBreak(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var out = bytes
        if out.last == lf { out = out.dropLast() }
        if out.last == cr { out = out.dropLast() }
        return out
    }

    /// `text/html; charset="utf-8"` → `text/html` and its parameters (names lower-cased,
    /// values unquoted).
    static func contentType(_ value: String) -> (kind: String, parameters: [(name: String, value: String)]) {
        var pieces: [String] = []
        var current = ""
        var quoted = false, escaped = false
        for character in value {
            if escaped { current.append(character); escaped = false; continue }
            switch character {
            case "\\" where quoted: escaped = true
            case "\"": quoted.toggle()
            case ";" where !quoted: pieces.append(current); current = ""
            default: current.append(character)
            }
        }
        pieces.append(current)
        let kind = String(pieces[0].trimmingBlanks).lowercased()
        var parameters: [(name: String, value: String)] = []
        for piece in pieces.dropFirst() {
            guard let equals = piece.firstIndex(of: "=") else { continue }
            parameters.append((String(piece[..<equals].trimmingBlanks).lowercased(), String(piece[piece.index(after: equals)...].trimmingBlanks)))
        }
        return (kind, parameters)
    }

    // MARK: transfer encodings

    /// A body as text: base64 and quoted-printable decoded, anything else as written.
    static func decode(_ body: ArraySlice<UInt8>, encoding: String?) -> String {
        switch encoding {
        case "base64": String(decoding: base64(body) ?? Array(body), as: UTF8.self)
        case "quoted-printable": String(decoding: quotedPrintable(body), as: UTF8.self)
        default: String(decoding: body, as: UTF8.self)
        }
    }

    /// Base64 with line breaks and spaces ignored; nil when it is not base64.
    static func base64(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 4 * 3)
        var buffer: UInt32 = 0, held = 0, ended = false
        for byte in text {
            let value: UInt32
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(byte - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(byte - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            case UInt8(ascii: "="): ended = true; continue
            case lf, cr, space, tab: continue
            default: return nil
            }
            guard !ended else { return nil }
            buffer = buffer << 6 | value
            held += 6
            if held >= 8 {
                held -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(held)))
            }
        }
        return out
    }

    /// Quoted-printable: `=XX` is a byte, `=` at the end of a line joins it to the next.
    static func quotedPrintable(_ text: ArraySlice<UInt8>) -> [UInt8] {
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var index = text.startIndex
        while index < text.endIndex {
            let byte = text[index]
            guard byte == UInt8(ascii: "=") else { out.append(byte); index += 1; continue }
            let rest = text[(index + 1)...]
            if rest.first == lf { index += 2; continue }
            if rest.starts(with: [cr, lf]) { index += 3; continue }
            if rest.count >= 2, let high = hex(rest[rest.startIndex]), let low = hex(rest[rest.startIndex + 1]) {
                out.append(high << 4 | low)
                index += 3
                continue
            }
            out.append(byte)
            index += 1
        }
        return out
    }
}
