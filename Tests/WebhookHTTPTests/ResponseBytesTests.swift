@testable import HTTPServing
import NIOCore
import NIOHTTP1
import Testing

/// The answers' bytes the server writes itself (`ResponseBytes`, in place of NIOHTTP1's
/// encoder and header validator).
@Suite struct ResponseBytesTests {
    func head(_ status: Int, _ headers: HTTPHeaders, version: HTTPVersion = .http1_1) -> String? {
        var buffer = ByteBuffer(string: "before|")
        guard ResponseBytes.writeHead(status: status, version: version, headers: headers, into: &buffer) else {
            #expect(String(buffer: buffer) == "before|", "a refused head leaves the buffer as it was")
            return nil
        }
        ResponseBytes.writeField("Content-Length", "2", into: &buffer)
        ResponseBytes.endHead(&buffer)
        return String(buffer: buffer)
    }

    @Test func aHeadIsItsStatusLineAndFieldsInOrder() {
        #expect(head(200, ["Content-Type": "application/json; charset=utf-8", "X-Request-Id": "a1"])
            == "before|HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nX-Request-Id: a1\r\nContent-Length: 2\r\n\r\n")
        #expect(head(409, [:], version: .http1_0) == "before|HTTP/1.0 409 Conflict\r\nContent-Length: 2\r\n\r\n")
        #expect(head(413, ["Connection": "close"]) == "before|HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\nContent-Length: 2\r\n\r\n")
        #expect(head(404, [:])?.contains("HTTP/1.1 404 Not Found\r\n") == true)
        #expect(head(200, ["X-Tab": "a\tb", "X-Utf8": "café"]) != nil)
    }

    @Test(arguments: [
        ("X-Trace", "a\r\nSet-Cookie: stolen=1"),
        ("X-Trace", "line\nbreak"),
        ("X-Trace", "nul\u{0}byte"),
        ("X-Trace", "delete\u{7F}"),
        ("Bad Name", "v"),
        ("Bad:Name", "v"),
        ("", "v"),
        ("X-\u{E9}", "v"),
    ])
    func aHeaderThatCannotBeSentRefusesTheHead(name: String, value: String) {
        #expect(head(200, [name: value]) == nil)
    }

    @Test func chunksAreSizedInHexAndAnEmptyOneIsNotWritten() {
        let allocator = ByteBufferAllocator()
        let chunk = ResponseBytes.chunk(ByteBuffer(string: String(repeating: "x", count: 26)), allocator: allocator)
        #expect(chunk.map { String(buffer: $0) } == "1a\r\n" + String(repeating: "x", count: 26) + "\r\n")
        #expect(ResponseBytes.chunk(ByteBuffer(), allocator: allocator) == nil)
        #expect(String(buffer: ResponseBytes.lastChunk) == "0\r\n\r\n")
    }
}
