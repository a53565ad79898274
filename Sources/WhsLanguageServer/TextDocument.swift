import WhsLanguage
import WhsSupport

/// An open `.whs` file as the editor holds it. The parser counts bytes of UTF-8, LSP counts
/// lines from 0 and characters in UTF-16 code units (the protocol's default encoding): this is
/// where one becomes the other.
struct TextDocument {
    let uri: String
    var version: Int
    private(set) var bytes: [UInt8]
    private(set) var lineStarts: [Int] = [0]
    /// The last analysis, for requests between two changes.
    var analysis: Analysis?
    var source: SourceFile?
    /// The analysis before the one change made since, and that change (bytes of the old text
    /// replaced, and by how many more): the next analysis parses only around it.
    var base: (analysis: Analysis, edited: Range<Int>, delta: Int)?

    init(uri: String, version: Int, text: String) {
        self.uri = uri
        self.version = version
        bytes = Array(text.utf8)
        indexLines()
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Replaces the whole text, or the part between two positions (incremental sync).
    mutating func apply(_ text: String, from: (line: Int, character: Int)?, to: (line: Int, character: Int)?) {
        if let from, let to {
            let lower = offset(line: from.line, character: from.character)
            let upper = max(lower, offset(line: to.line, character: to.character))
            let inserted = Array(text.utf8)
            bytes.replaceSubrange(lower..<upper, with: inserted)
            // A second change before an analysis: the next one parses the whole text.
            base = analysis.map { ($0, lower..<upper, inserted.count - (upper - lower)) }
        } else {
            bytes = Array(text.utf8)
            base = nil
        }
        indexLines()
        analysis = nil
        source = nil
    }

    private mutating func indexLines() {
        lineStarts = [0]
        for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") { lineStarts.append(offset + 1) }
    }

    /// The byte offset of an LSP position, clamped to the text (a position past the end of a
    /// line is its end, as the protocol says).
    func offset(line: Int, character: Int) -> Int {
        guard line >= 0 else { return 0 }
        guard line < lineStarts.count else { return bytes.count }
        let start = lineStarts[line]
        let end = line + 1 < lineStarts.count ? lineStarts[line + 1] - 1 : bytes.count
        var units = 0
        var index = start
        while index < end, units < character {
            let lead = bytes[index]
            let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
            units += length == 4 ? 2 : 1
            index = min(end, index + length)
        }
        return index
    }

    /// The LSP position of a byte offset.
    func position(of offset: Int) -> (line: Int, character: Int) {
        let offset = min(max(0, offset), bytes.count)
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        var units = 0
        var index = lineStarts[low]
        while index < offset {
            let lead = bytes[index]
            let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
            units += length == 4 ? 2 : 1
            index += length
        }
        return (low, units)
    }

    func byte(_ offset: Int) -> UInt8? { offset >= 0 && offset < bytes.count ? bytes[offset] : nil }

    func slice(_ range: Range<Int>) -> String {
        String(decoding: bytes[max(0, range.lowerBound)..<min(bytes.count, range.upperBound)], as: UTF8.self)
    }

    /// `{"start": ..., "end": ...}` of a byte range.
    func range(_ range: Range<Int>) -> JSON {
        let start = position(of: range.lowerBound), end = position(of: range.upperBound)
        return .object([
            ("start", .object([("line", .int(start.line)), ("character", .int(start.character))])),
            ("end", .object([("line", .int(end.line)), ("character", .int(end.character))])),
        ])
    }
}
