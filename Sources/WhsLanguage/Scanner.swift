import WhsSupport
/// Turns source bytes into tokens, one at a time, at the offset the parser asks for.
/// Two modes: where a value is expected, words run on as barewords (`https://x/#top`,
/// `/tmp/a.whs`, `example.com`); where an operator is expected, `/`, `.` and `[` are operators.
struct Scanner {
    enum Mode { case value, `operator` }

    /// Why scanning stopped: a real error, or input that ends too soon (an open string or a
    /// trailing `\`), which the prompt answers by reading another line.
    enum Failure: Error {
        case syntax(String, at: Int)
        case incomplete(String, at: Int)
    }

    let bytes: [UInt8]
    /// Where the text ends for this scanner: the source's end, or the end of the code inside a
    /// `${...}` (whose parser shares the source's bytes instead of copying all before it).
    let limit: Int

    init(bytes: [UInt8], limit: Int? = nil) {
        self.bytes = bytes
        self.limit = min(limit ?? bytes.count, bytes.count)
    }

    func byte(_ offset: Int) -> UInt8? { offset < limit ? bytes[offset] : nil }

    /// True when scanning at the token's place in the other mode would give the same token:
    /// the modes differ only on `/`, `.` and words that run on into a bareword.
    func sameInBothModes(_ token: Token) -> Bool {
        switch token.kind {
        case .slash, .dot, .unexpected, .bareword: return false
        case .name, .keyword, .integer, .decimal, .duration:
            guard let next = byte(token.end) else { return true }
            return !isWordByte(next)
        default: return true
        }
    }

    /// Scans the token that starts at or after `offset` (after white space and comments).
    func scan(at offset: Int, mode: Mode) throws(Failure) -> Token {
        var index = offset
        let spaced = try skipSpace(&index)
        let start = index
        func token(_ kind: Token.Kind, _ length: Int) -> Token {
            Token(kind: kind, start: start, end: start + length, spaceBefore: spaced)
        }
        guard let first = byte(index) else { return token(.end, 0) }
        let next = byte(index + 1)
        switch first {
        case UInt8(ascii: "\n"): return token(.newline, 1)
        case UInt8(ascii: ";"): return token(.semicolon, 1)
        case UInt8(ascii: ","): return token(.comma, 1)
        case UInt8(ascii: "("): return token(.openParen, 1)
        case UInt8(ascii: ")"): return token(.closeParen, 1)
        case UInt8(ascii: "["): return token(.openBracket, 1)
        case UInt8(ascii: "]"): return token(.closeBracket, 1)
        case UInt8(ascii: "{"): return token(.openBrace, 1)
        case UInt8(ascii: "}"): return token(.closeBrace, 1)
        case UInt8(ascii: "\""), UInt8(ascii: "'"): return try scanString(from: start, spaced: spaced)
        case UInt8(ascii: "$"): return try scanVariable(from: start, spaced: spaced)
        case UInt8(ascii: "+"): return token(.plus, 1)
        case UInt8(ascii: "-"): return token(.minus, 1)
        case UInt8(ascii: "*"): return token(.star, 1)
        case UInt8(ascii: "%"): return token(.percent, 1)
        case UInt8(ascii: ":"): return token(.colon, 1)
        case UInt8(ascii: "="): return next == UInt8(ascii: "=") ? token(.equal, 2) : token(.assign, 1)
        case UInt8(ascii: "!"):
            if next == UInt8(ascii: "=") { return token(.notEqual, 2) }
        case UInt8(ascii: "<"): return next == UInt8(ascii: "=") ? token(.lessEqual, 2) : token(.less, 1)
        case UInt8(ascii: ">"): return next == UInt8(ascii: "=") ? token(.greaterEqual, 2) : token(.greater, 1)
        case UInt8(ascii: "/") where mode == .operator: return token(.slash, 1)
        case UInt8(ascii: ".") where mode == .operator: return token(.dot, 1)
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return scanNumber(from: start, spaced: spaced)
        default:
            if isNameStart(first) { return scanName(from: start, spaced: spaced, mode: mode) }
        }
        if mode == .value, isWordByte(first) { return scanBareword(from: start, spaced: spaced) }
        let character = String(decoding: bytes[start..<min(start + utf8Length(first), limit)], as: UTF8.self).first ?? "?"
        return Token(kind: .unexpected(character), start: start, end: start + utf8Length(first), spaceBefore: spaced)
    }

    /// Skips blanks, `\`-newline continuations and comments. A `#` starts a comment only at the
    /// start of a line or after white space, so `https://x.example/#top` keeps its fragment.
    private func skipSpace(_ index: inout Int) throws(Failure) -> Bool {
        let begin = index
        while let current = byte(index) {
            switch current {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                index += 1
            case UInt8(ascii: "\\"):
                var after = index + 1
                if byte(after) == UInt8(ascii: "\r") { after += 1 }
                if byte(after) == UInt8(ascii: "\n") { index = after + 1; continue }
                if after >= limit { throw .incomplete("line continues after '\\'", at: index) }
                return index > begin
            case UInt8(ascii: "#"):
                let previous = index > 0 ? bytes[index - 1] : UInt8(ascii: "\n")
                guard index == begin ? isSpaceOrLineStart(previous) : true else { return index > begin }
                while let b = byte(index), b != UInt8(ascii: "\n") { index += 1 }
            default:
                return index > begin
            }
        }
        return index > begin
    }

    private func isSpaceOrLineStart(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
            || byte == UInt8(ascii: ";")
    }

    func isNameStart(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || byte == UInt8(ascii: "_")
    }

    func isNameByte(_ byte: UInt8) -> Bool {
        isNameStart(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    /// A byte that may be part of a bareword: anything but white space, `;`, `,`, closing
    /// brackets, quotes and `$` (which would start a string or a variable).
    func isWordByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"),
             UInt8(ascii: ";"), UInt8(ascii: ","), UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"),
             UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "$"):
            return false
        case 0..<0x20, 0x7F: return false
        default: return true
        }
    }

    private func utf8Length(_ lead: UInt8) -> Int {
        switch lead {
        case 0xF0...: 4
        case 0xE0...: 3
        case 0xC0...: 2
        default: 1
        }
    }

    /// A name, a keyword, or, when the word runs on past the name (`example.com`,
    /// `https://x`), a bareword. A name stops a word before `(` (a call), `=` (an argument
    /// name), `:` not followed by `//` (an object key) and any operator.
    private func scanName(from start: Int, spaced: Bool, mode: Mode) -> Token {
        var end = start
        while let b = byte(end), isNameByte(b) { end += 1 }
        let makeName = {
            let kind: Token.Kind = Keyword.lookup(bytes[start..<end]).map { .keyword($0) }
                ?? .name(String(decoding: bytes[start..<end], as: UTF8.self))
            return Token(kind: kind, start: start, end: end, spaceBefore: spaced)
        }
        guard mode == .value, let next = byte(end), isWordByte(next) else { return makeName() }
        switch next {
        case UInt8(ascii: "("), UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "*"), UInt8(ascii: "%"),
             UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "!"), UInt8(ascii: "{"), UInt8(ascii: "["):
            return makeName()
        case UInt8(ascii: ":"):
            if byte(end + 1) == UInt8(ascii: "/"), byte(end + 2) == UInt8(ascii: "/") { break }
            return makeName()
        default:
            break
        }
        return scanBareword(from: start, spaced: spaced)
    }

    private func scanBareword(from start: Int, spaced: Bool) -> Token {
        var end = start
        while let b = byte(end), isWordByte(b) { end += 1 }
        return Token(kind: .bareword(String(decoding: bytes[start..<end], as: UTF8.self)), start: start, end: end, spaceBefore: spaced)
    }

    /// `42`, `1.5`. Digits that run on into other word characters (`10.0.0.1`, `3abc`) make a
    /// bareword instead.
    private func scanNumber(from start: Int, spaced: Bool) -> Token {
        var end = start
        func digits() { while let b = byte(end), b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") { end += 1 } }
        digits()
        var isDecimal = false
        if byte(end) == UInt8(ascii: "."), let after = byte(end + 1), after >= UInt8(ascii: "0"), after <= UInt8(ascii: "9") {
            isDecimal = true
            end += 1
            digits()
        }
        // A unit right after the digits makes a duration: `250ms`, `5s`, `2m`, `1h`, `1.5s`.
        let unitStart = byte(end)
        for unit in DurationText.units where unitStart == unit.suffix.utf8.first {
            let suffix = Array(unit.suffix.utf8)
            guard end + suffix.count <= limit, Array(bytes[end..<(end + suffix.count)]) == suffix else { continue }
            if let after = byte(end + suffix.count), isWordByte(after), !isNumberTerminator(after) { continue }
            let text = String(decoding: bytes[start..<(end + suffix.count)], as: UTF8.self)
            guard let seconds = DurationText.seconds(text) else { break }
            return Token(kind: .duration(seconds, text), start: start, end: end + suffix.count, spaceBefore: spaced)
        }
        if let next = byte(end), isWordByte(next), !isNumberTerminator(next) {
            return scanBareword(from: start, spaced: spaced)
        }
        let text = String(decoding: bytes[start..<end], as: UTF8.self)
        if !isDecimal, let value = Int(text) {
            return Token(kind: .integer(value), start: start, end: end, spaceBefore: spaced)
        }
        if isDecimal, let value = Double(text) {
            return Token(kind: .decimal(value), start: start, end: end, spaceBefore: spaced)
        }
        // Too many digits for 64 bits: keep the text, the parser reports it.
        return Token(kind: .bareword(text), start: start, end: end, spaceBefore: spaced)
    }

    private func isNumberTerminator(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "/"), UInt8(ascii: "%"),
             UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "="), UInt8(ascii: "!"), UInt8(ascii: ":"),
             UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"):
            return true
        default:
            return false
        }
    }

    /// `$name` or `$_`.
    private func scanVariable(from start: Int, spaced: Bool) throws(Failure) -> Token {
        var end = start + 1
        guard let first = byte(end), isNameStart(first) else {
            throw .syntax("expected a variable name after '$'", at: start)
        }
        while let b = byte(end), isNameByte(b) { end += 1 }
        return Token(kind: .variable(String(decoding: bytes[start + 1..<end], as: UTF8.self)), start: start, end: end, spaceBefore: spaced)
    }

    /// A `"double"` string (escapes, `$name` and `${expression}`) or a `'single'` raw one.
    private func scanString(from start: Int, spaced: Bool) throws(Failure) -> Token {
        let quote = bytes[start]
        let raw = quote == UInt8(ascii: "'")
        var pieces: [StringPiece] = []
        var text: [UInt8] = []
        var index = start + 1
        func flush() {
            if !text.isEmpty { pieces.append(.text(String(decoding: text, as: UTF8.self))); text.removeAll() }
        }
        while true {
            guard let current = byte(index) else {
                throw .incomplete("unterminated string: expected \(raw ? "'" : "\"") to close the string", at: start)
            }
            if current == quote { index += 1; break }
            if current == UInt8(ascii: "\\") {
                guard let escaped = byte(index + 1) else {
                    throw .incomplete("unterminated string", at: start)
                }
                if raw {
                    if escaped == quote || escaped == UInt8(ascii: "\\") { text.append(escaped); index += 2 } else { text.append(current); index += 1 }
                    continue
                }
                index += 2
                switch escaped {
                case UInt8(ascii: "n"): text.append(0x0A)
                case UInt8(ascii: "t"): text.append(0x09)
                case UInt8(ascii: "r"): text.append(0x0D)
                case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "$"), UInt8(ascii: "'"): text.append(escaped)
                case UInt8(ascii: "\n"): break  // a backslash-newline inside a string joins the lines
                case UInt8(ascii: "u"):
                    guard byte(index) == UInt8(ascii: "{"), let close = bytes[index..<limit].firstIndex(of: UInt8(ascii: "}")),
                          let value = UInt32(String(decoding: bytes[index + 1..<close], as: UTF8.self), radix: 16),
                          close - index <= 7, let scalar = Unicode.Scalar(value) else {
                        throw .syntax("invalid \\u escape: write \\u{1F600} with 1 to 6 hex digits", at: index - 2)
                    }
                    text.append(contentsOf: Array(String(Character(scalar)).utf8))
                    index = close + 1
                default:
                    throw .syntax("unknown escape '\\\(Character(Unicode.Scalar(escaped)))' in string", at: index - 2)
                }
                continue
            }
            if !raw, current == UInt8(ascii: "$") {
                if byte(index + 1) == UInt8(ascii: "{") {
                    let close = try closingBrace(from: index + 2, stringStart: start)
                    flush()
                    pieces.append(.code(index + 2..<close, variableName: false))
                    index = close + 1
                    continue
                }
                if let first = byte(index + 1), isNameStart(first) {
                    var end = index + 2
                    while let b = byte(end), isNameByte(b) { end += 1 }
                    flush()
                    pieces.append(.code(index + 1..<end, variableName: true))
                    index = end
                    continue
                }
            }
            text.append(current)
            index += 1
        }
        flush()
        return Token(kind: .string(pieces), start: start, end: index, spaceBefore: spaced)
    }

    /// The `}` that ends a `${...}`, skipping nested brackets and strings inside it.
    private func closingBrace(from offset: Int, stringStart: Int) throws(Failure) -> Int {
        var depth = 0
        var index = offset
        while let current = byte(index) {
            switch current {
            case UInt8(ascii: "{"): depth += 1
            case UInt8(ascii: "}"):
                if depth == 0 { return index }
                depth -= 1
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                index = try scanString(from: index, spaced: false).end
                continue
            default: break
            }
            index += 1
        }
        throw .incomplete("unterminated '${' in string", at: offset - 2)
    }
}
