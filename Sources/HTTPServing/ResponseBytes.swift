import NIOCore
import NIOHTTP1

/// The bytes of an answer, written by `ConnectionHandler` itself instead of NIOHTTP1's response
/// encoder and response-header validator: an answer with a body up to `coalescedBodyLimit`
/// leaves in one buffer, head and body together, with one trip through the pipeline instead of
/// three, and the header checks are made while the head is copied. Under `wrk` on the list
/// route the encoder and the validator were about 5% of the server (docs/PERFORMANCE.md).
enum ResponseBytes {
    /// Bodies up to this size are copied behind their head (one write, one TCP segment for a
    /// page); larger ones (the inspector's script, a mail's source) go out as a second buffer.
    static let coalescedBodyLimit = 16 * 1024

    /// The status line and the answer's own headers; `ConnectionHandler` then adds its own
    /// fields (`Date`, framing, `Connection`) with `writeField` and ends the head with
    /// `endHead`. False, with `buffer` left as it was, if a header cannot be sent: a name that
    /// is not an RFC 9110 token, or a value with a control character (a line break in a value
    /// would let whoever chose it add headers of its own).
    static func writeHead(status: Int, version: HTTPVersion, headers: HTTPHeaders, into buffer: inout ByteBuffer) -> Bool {
        let start = buffer.writerIndex
        buffer.writeStaticString(version.minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
        writeStatus(status, into: &buffer)
        for (name, value) in headers {
            guard isToken(name), isFieldValue(value) else {
                buffer.moveWriterIndex(to: start)
                return false
            }
            writeField(name, value, into: &buffer)
        }
        return true
    }

    static func endHead(_ buffer: inout ByteBuffer) { buffer.writeStaticString("\r\n") }

    /// `200 OK\r\n`: the common ones without formatting.
    private static func writeStatus(_ status: Int, into buffer: inout ByteBuffer) {
        switch status {
        case 200: buffer.writeStaticString("200 OK\r\n")
        case 400: buffer.writeStaticString("400 Bad Request\r\n")
        case 401: buffer.writeStaticString("401 Unauthorized\r\n")
        case 404: buffer.writeStaticString("404 Not Found\r\n")
        default:
            buffer.writeString(String(status))
            buffer.writeStaticString(" ")
            buffer.writeString(HTTPResponseStatus(statusCode: status).reasonPhrase)
            buffer.writeStaticString("\r\n")
        }
    }

    static func writeField(_ name: String, _ value: String, into buffer: inout ByteBuffer) {
        buffer.writeString(name)
        buffer.writeStaticString(": ")
        buffer.writeString(value)
        buffer.writeStaticString("\r\n")
    }

    /// RFC 9110 `token`: `!#$%&'*+-.^_`|~`, digits and letters, at least one.
    static func isToken(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
                 UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
                 UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
                true
            default: false
            }
        }
    }

    /// RFC 9110 `field-value`: no control character but horizontal tab.
    static func isFieldValue(_ value: String) -> Bool {
        value.utf8.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
    }

    /// One chunk of a chunked body: its size in hex, the bytes, a line end. An empty buffer
    /// has no chunk (an empty chunk ends the body).
    static func chunk(_ bytes: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer? {
        guard bytes.readableBytes > 0 else { return nil }
        var framed = allocator.buffer(capacity: bytes.readableBytes + 12)
        framed.writeString(String(bytes.readableBytes, radix: 16))
        framed.writeStaticString("\r\n")
        framed.writeImmutableBuffer(bytes)
        framed.writeStaticString("\r\n")
        return framed
    }

    /// The last chunk of a chunked body, with no trailers.
    static let lastChunk = ByteBuffer(string: "0\r\n\r\n")

    /// An answer the server could not write as asked (a header failed the checks).
    static let internalError = ByteBuffer(string: "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    /// A request NIOHTTP1 could not parse.
    static let badRequest = ByteBuffer(string: "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")

    static func continueHead(_ version: HTTPVersion) -> ByteBuffer {
        ByteBuffer(string: version.minor == 0 ? "HTTP/1.0 100 Continue\r\n\r\n" : "HTTP/1.1 100 Continue\r\n\r\n")
    }
}
