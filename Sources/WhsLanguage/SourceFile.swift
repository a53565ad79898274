/// A piece of whs source: a script file, a `-c` text, or the lines of one statement typed at the
/// prompt. Locations are byte offsets into `bytes`; lines and columns are worked out only when
/// a message needs them.
public final class SourceFile: Sendable {
    /// Shown before `:line:col:` in messages; nil at the prompt, where the place is the line typed.
    public let name: String?
    public let text: String
    let bytes: [UInt8]
    /// The line number of the first line: piped input is parsed a statement at a time, but its
    /// messages still count lines from the start of the stream.
    public let firstLine: Int
    private let lineStarts: [Int]

    public init(name: String?, text: String, firstLine: Int = 1) {
        self.name = name
        self.text = text
        self.firstLine = firstLine
        bytes = Array(text.utf8)
        var starts = [0]
        for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") { starts.append(offset + 1) }
        lineStarts = starts
    }

    /// 1-based line and column (the column counts characters, not bytes) of a byte offset.
    public func location(of offset: Int) -> (line: Int, column: Int) {
        let index = lineIndex(of: offset)
        let start = lineStarts[index]
        let prefix = bytes[start..<min(max(offset, start), bytes.count)]
        let column = String(decoding: prefix, as: UTF8.self).count + 1
        return (index + firstLine, column)
    }

    /// The text of the line that holds `offset`, without its newline.
    public func lineText(containing offset: Int) -> String {
        let index = lineIndex(of: offset)
        let start = lineStarts[index]
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// The source text of a byte range, e.g. a statement for `-x` or an assertion message.
    public func slice(_ range: Range<Int>) -> String {
        String(decoding: bytes[max(0, range.lowerBound)..<min(range.upperBound, bytes.count)], as: UTF8.self)
    }

    /// How many lines the text holds (a last line without a newline counts).
    public var lineCount: Int { lineStarts.count }

    private func lineIndex(of offset: Int) -> Int {
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return low
    }
}
