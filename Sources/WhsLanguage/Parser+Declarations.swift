/// What a text declares before it is parsed: the names after `def` at the start of a line (so
/// that a call may come before its definition) and whether a line starts with `source ` (whose
/// procedures are known only once it runs). Read from the bytes in one pass, without making
/// Strings of the lines: this runs for every text parsed, a 5,000-line file on each edit in
/// `whs lsp`.
struct Declarations: Equatable {
    var procedures: Set<String> = []
    var sourcesFiles = false

    init(in bytes: [UInt8]) {
        let count = bytes.count
        var index = 0
        func blank(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") || byte == 0x0B || byte == 0x0C
        }
        func starts(_ word: StaticString, at offset: Int) -> Bool {
            let length = word.utf8CodeUnitCount
            guard offset + length <= count else { return false }
            return word.withUTF8Buffer { buffer in (0..<length).allSatisfy { bytes[offset + $0] == buffer[$0] } }
        }
        while index < count {
            while index < count, blank(bytes[index]) { index += 1 }
            if starts("def ", at: index) {
                var start = index + 4
                while start < count, blank(bytes[start]) { start += 1 }
                var end = start
                while end < count, Declarations.isNameByte(bytes[end]) { end += 1 }
                if end > start { procedures.insert(String(decoding: bytes[start..<end], as: UTF8.self)) }
            } else if starts("source ", at: index) {
                sourcesFiles = true
            }
            while index < count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
            index += 1
        }
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
    }
}
