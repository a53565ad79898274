import Glibc

/// The base protocol of LSP over a pair of file descriptors: each message is a header
/// (`Content-Length: N`, other fields ignored, lines ending in CRLF) and a blank line, then N
/// bytes of JSON. A client that goes away mid-message is just the end of input.
struct MessageStream {
    enum Incoming: Equatable {
        case message([UInt8])
        /// A header without a usable Content-Length: answered with a parse error, then the
        /// next header is read.
        case badHeader(String)
        case end
    }

    let input: Int32
    let output: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var ended = false

    /// No client sends a document this large; past it a message is skipped, not held.
    static let maxBody = 64 << 20

    init(input: Int32, output: Int32) {
        self.input = input
        self.output = output
    }

    /// The next message, or why there is none.
    mutating func next() -> Incoming {
        var length: Int?
        var sawHeader = false
        var problem: String?
        while true {
            guard let line = readLine() else { return .end }
            if line.isEmpty {
                // A blank line before any header field is noise between messages.
                guard sawHeader else { continue }
                break
            }
            sawHeader = true
            let text = String(decoding: line, as: UTF8.self)
            guard let colon = text.firstIndex(of: ":") else {
                problem = "header line without ':' (\(text.prefix(40)))"
                continue
            }
            let name = text[..<colon].lowercased()
            let value = text[text.index(after: colon)...].trimmingCharacters(" \t")
            if name == "content-length" {
                guard let number = Int(value), number >= 0 else {
                    problem = "Content-Length is not a number (\(value.prefix(20)))"
                    continue
                }
                length = number
            }
        }
        guard let length else { return .badHeader(problem ?? "no Content-Length in the header") }
        if length > MessageStream.maxBody {
            guard skip(length) else { return .end }
            return .badHeader("a message of \(length) bytes is larger than \(MessageStream.maxBody)")
        }
        guard let body = read(length) else { return .end }
        return .message(body)
    }

    /// One header line without its CRLF (or LF); nil at the end of input.
    private mutating func readLine() -> [UInt8]? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = Array(buffer[start..<end])
                start = newline + 1
                return line
            }
            // A header line longer than this is not a header.
            if buffer.count - start > 8192 {
                start = buffer.count
                return Array("X-Garbage".utf8)
            }
            guard fill() else { return nil }
        }
    }

    private mutating func read(_ count: Int) -> [UInt8]? {
        while buffer.count - start < count {
            guard fill() else { return nil }
        }
        let body = Array(buffer[start..<(start + count)])
        start += count
        return body
    }

    private mutating func skip(_ count: Int) -> Bool {
        var left = count
        while left > 0 {
            if start == buffer.count { guard fill() else { return false } }
            let taken = min(left, buffer.count - start)
            start += taken
            left -= taken
        }
        return true
    }

    /// Reads more input; false at its end (or on an error, which ends it too).
    private mutating func fill() -> Bool {
        if ended { return false }
        if start > 0, start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 65536 {
            buffer.removeFirst(start)
            start = 0
        }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress, $0.count) }
            if count > 0 {
                buffer.append(contentsOf: chunk[0..<count])
                return true
            }
            if count < 0, errno == EINTR { continue }
            ended = true
            return false
        }
    }

    /// Writes one message; false when the client is gone.
    func send(_ body: [UInt8]) -> Bool {
        var bytes = Array("Content-Length: \(body.count)\r\n\r\n".utf8)
        bytes += body
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(output, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }
}

extension Substring {
    func trimmingCharacters(_ blanks: String) -> String {
        var text = self
        while let first = text.first, blanks.contains(first) { text.removeFirst() }
        while let last = text.last, blanks.contains(last) { text.removeLast() }
        return String(text)
    }
}
