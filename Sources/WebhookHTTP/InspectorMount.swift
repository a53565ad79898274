import HTTPServing
import NIOCore
import NIOHTTP1
import WhsInspector

/// The web inspector (`/ui`, docs/INSPECTOR.md) on the server's own request and response
/// types: the only place that knows both. The inspector itself never sees NIO.
enum InspectorMount {
    static func answer(_ request: ServerRequest, path: String, _ inspector: Inspector) async -> ServerResponse {
        guard case .bytes(let buffer) = request.body else {
            return ServerResponse(status: 413, headers: ["Content-Type": "text/plain; charset=utf-8"], body: .bytes(ByteBuffer(string: "The form is too large.\n")))
        }
        let ours = InspectorRequest(method: request.method.rawValue, path: path, query: request.query,
                                    headers: request.headers.map { ($0.name, $0.value) }, body: Array(buffer.readableBytesView),
                                    peer: request.channel.remoteAddress?.ipAddress ?? "")
        let answer = await inspector.respond(to: ours)
        var headers = HTTPHeaders()
        for (name, value) in answer.headers { headers.add(name: name, value: value) }
        switch answer.body {
        case .bytes(let bytes):
            return ServerResponse(status: answer.status, headers: headers, body: .bytes(ByteBuffer(bytes: bytes)))
        case .stream(let chunks):
            return ServerResponse(status: answer.status, headers: headers, body: .stream { writer in
                for await chunk in chunks { try await writer.write(ByteBuffer(bytes: chunk)) }
            })
        }
    }
}
