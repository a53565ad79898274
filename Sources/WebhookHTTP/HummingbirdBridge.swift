import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Hummingbird's requests and responses to and from the responder's own types: the server's
/// path while its own pipeline (issue 21) is not the one in use.
struct HummingbirdBridge: HTTPResponder {
    typealias Context = ServerContext
    let responder: WebhookResponder

    func respond(to request: Request, context: Context) async throws -> Response {
        var headers = HTTPHeaders()
        for field in request.headers { headers.add(name: field.name.rawName, value: field.value) }
        let limit = WebhookResponder.bodyLimit(path: request.uri.path)
        var body = ServerRequest.Body.tooLarge
        if request.headers[.contentLength].flatMap({ Int($0) }).map({ $0 <= limit }) ?? true {
            var buffer = ByteBuffer()
            var fits = true
            for try await part in request.body {
                guard buffer.readableBytes + part.readableBytes <= limit else { fits = false; break }
                buffer.writeImmutableBuffer(part)
            }
            if fits { body = .bytes(buffer) }
        }
        let ours = ServerRequest(method: HTTPMethod(rawValue: request.method.rawValue), uri: request.uri.description,
                                 headers: headers, body: body, channel: context.channel)
        let answer = await responder.respond(to: ours)
        var fields = HTTPFields()
        for (name, value) in answer.headers { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        switch answer.body {
        case .bytes(let bytes):
            return Response(status: .init(code: answer.status), headers: fields, body: ResponseBody(byteBuffer: bytes))
        case .stream(let produce):
            let follows = responder.follows
            return Response(status: .init(code: answer.status), headers: fields, body: ResponseBody { (writer: inout any ResponseBodyWriter) async throws in
                let box = WriterBox(writer)
                try await withGracefulShutdownHandler {
                    try await produce(box)
                } onGracefulShutdown: {
                    follows.stopAll()
                }
                writer = box.writer
                try await writer.finish(nil)
            })
        }
    }
}

/// Hummingbird's writer, as a `ServerBodyWriter` (only the stream's own task writes to it).
private final class WriterBox: ServerBodyWriter, @unchecked Sendable {
    var writer: any ResponseBodyWriter
    init(_ writer: any ResponseBodyWriter) { self.writer = writer }
    func write(_ buffer: ByteBuffer) async throws { try await writer.write(buffer) }
}
