import NIOCore
import NIOHTTP1

/// One HTTP/1.1 connection of `HTTPServer`: NIOHTTP1 decodes the requests, this handler reads
/// each body up to its route's limit, runs the responder on the connection's event loop, and
/// writes the answers in the order the requests came (pipelining), one at a time, as bytes of
/// its own making (`ResponseBytes`). A connection stays open between requests unless the
/// client or a too-large body says not.
final class ConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Requests read ahead of their answers before reading stops (pipelining clients).
    static let queued = 16

    private struct Pending {
        let request: ServerRequest
        let version: HTTPVersion
        let keepAlive: Bool
    }

    private let responder: any ServerResponder
    private let executor: EventLoopExecutor
    /// The loop's `Date` header.
    private let date: HTTPDate
    /// The request being read: its head and what arrived of its body.
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var limit = 0
    /// The request now read was answered early (too large): the rest of it is dropped.
    private var dropping = false
    /// A request that ends the connection was read: nothing after it is.
    private var lastRead = false
    private var queue = CircularBuffer<Pending>()
    private var busy = false
    private var heldRead = false
    /// The server stops, or the client closed its side: close once idle.
    private var closeWhenIdle = false
    private var active = true
    /// A 413 was sent: what still comes is dropped until the connection closes.
    private var lingering = false
    /// A request that could not be parsed follows the ones queued: a 400 once they are answered.
    private var badRequestNext = false
    /// The streamed answer being written is chunked (HTTP/1.1); on HTTP/1.0 its end is the close.
    private var chunked = false
    static let lingerTime = TimeAmount.seconds(2)

    init(responder: any ServerResponder, executor: EventLoopExecutor, date: HTTPDate) {
        self.responder = responder
        self.executor = executor
        self.date = date
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            guard !lastRead else { return }
            self.head = head
            body = nil
            dropping = false
            // A request without a body (most GETs) is not routed here to find its limit.
            let bodyless = !head.headers.contains(name: "content-length") && !head.headers.contains(name: "transfer-encoding")
            limit = bodyless ? 0 : responder.bodyLimit(path: String(head.uri.prefix { $0 != "?" }))
            if let declared = head.headers.first(name: "content-length").flatMap({ Int($0) }), declared > limit {
                tooLarge(context: context)
            } else if !busy, head.headers.first(name: "expect")?.lowercased() == "100-continue" {
                // curl asks before sending a body over 1 MB (a mail with attachments), and
                // would otherwise wait a second for this.
                context.writeAndFlush(wrapOutboundOut(ResponseBytes.continueHead(head.version)), promise: nil)
            }
        case .body(let part):
            guard !dropping, head != nil else { return }
            body.setOrWriteImmutableBuffer(part)
            if let body, body.readableBytes > limit { tooLarge(context: context) }
        case .end:
            defer {
                self.head = nil
                dropping = false
            }
            guard let head, !dropping else { return }
            let request = ServerRequest(method: head.method, uri: head.uri, headers: head.headers,
                                        body: .bytes(body ?? ByteBuffer()), channel: context.channel)
            body = nil
            enqueue(Pending(request: request, version: head.version, keepAlive: head.isKeepAlive), context: context)
        }
    }

    /// Answered now, before the rest of the body (which is not read: the connection closes
    /// after the answer), so that a client that waits for a 100 Continue, or sends 70 MB too
    /// many, hears at once.
    private func tooLarge(context: ChannelHandlerContext) {
        guard let head else { return }
        dropping = true
        body = nil
        let request = ServerRequest(method: head.method, uri: head.uri, headers: head.headers, body: .tooLarge, channel: context.channel)
        enqueue(Pending(request: request, version: head.version, keepAlive: false), context: context)
    }

    private func enqueue(_ pending: Pending, context: ChannelHandlerContext) {
        if !pending.keepAlive { lastRead = true }
        if busy {
            queue.append(pending)
        } else {
            start(pending, context: context)
        }
    }

    private func start(_ pending: Pending, context: ChannelHandlerContext) {
        busy = true
        let responder = self.responder
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let loop = context.eventLoop
        Task(executorPreference: executor) {
            let response = await responder.respond(to: pending.request)
            if loop.inEventLoop {
                await bound.value.0.send(response, for: pending, context: bound.value.1)
            } else {
                try? await loop.flatSubmit { bound.value.0.answered(response, for: pending, context: bound.value.1) }.get()
            }
        }
    }

    /// A loop that runs the task elsewhere (never with this executor, but kept correct).
    private func answered(_ response: ServerResponse, for pending: Pending, context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.completeWithTask { await self.send(response, for: pending, context: context) }
        return promise.futureResult
    }

    /// The answer's head into `buffer`: its status and headers, then `Date`, the framing
    /// (`Content-Length`, or chunked for a stream on HTTP/1.1; none for a status that has no
    /// body) and `Connection` when it differs from the version's default. False if one of the
    /// answer's headers cannot be sent (`ResponseBytes.writeHead`).
    private func writeHead(_ response: ServerResponse, for pending: Pending, length: Int?, into buffer: inout ByteBuffer) -> Bool {
        guard ResponseBytes.writeHead(status: response.status, version: pending.version, headers: response.headers, into: &buffer) else {
            return false
        }
        ResponseBytes.writeField("Date", date.now, into: &buffer)
        if HTTPResponseStatus(statusCode: response.status).mayHaveResponseBody {
            if let length {
                ResponseBytes.writeField("Content-Length", String(length), into: &buffer)
            } else if pending.version.minor >= 1 {
                ResponseBytes.writeField("Transfer-Encoding", "chunked", into: &buffer)
            }
        }
        let keepAlive = pending.keepAlive && !closeWhenIdle && (length != nil || pending.version.minor >= 1)
        if !keepAlive {
            ResponseBytes.writeField("Connection", "close", into: &buffer)
        } else if pending.version.minor == 0 {
            ResponseBytes.writeField("Connection", "keep-alive", into: &buffer)
        }
        ResponseBytes.endHead(&buffer)
        return true
    }

    /// Writes the answer (a stream's as it is produced), then goes on with the next request.
    private func send(_ response: ServerResponse, for pending: Pending, context: ChannelHandlerContext) async {
        var keepAlive = pending.keepAlive && (pending.version.minor >= 1 || response.isBytes)
        // A HEAD request's answer, and a 1xx, 204 or 304, have a head only.
        let bodiless = pending.request.method == .HEAD || !HTTPResponseStatus(statusCode: response.status).mayHaveResponseBody
        var buffer = context.channel.allocator.buffer(capacity: 512)
        switch response.body {
        case .bytes(let bytes):
            guard writeHead(response, for: pending, length: bytes.readableBytes, into: &buffer) else {
                return refuse(context: context)
            }
            if bodiless || bytes.readableBytes == 0 {
                context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            } else if bytes.readableBytes <= ResponseBytes.coalescedBodyLimit {
                buffer.writeImmutableBuffer(bytes)
                context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            } else {
                context.write(wrapOutboundOut(buffer), promise: nil)
                context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
            }
        case .stream(let produce):
            guard writeHead(response, for: pending, length: nil, into: &buffer) else {
                return refuse(context: context)
            }
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            if !bodiless {
                chunked = pending.version.minor >= 1
                do {
                    try await produce(ChannelBodyWriter(context: NIOLoopBound(context, eventLoop: context.eventLoop), handler: self))
                    if chunked { context.writeAndFlush(wrapOutboundOut(ResponseBytes.lastChunk), promise: nil) }
                } catch {
                    keepAlive = false
                }
                chunked = false
            }
        }
        if case .tooLarge = pending.request.body {
            linger(context: context)
        } else {
            finished(keepAlive: keepAlive, context: context)
        }
    }

    /// An answer with a header that cannot be sent: a 500 instead, and the connection closes.
    private func refuse(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ResponseBytes.internalError), promise: nil)
        finished(keepAlive: false, context: context)
    }

    private func finished(keepAlive: Bool, context: ChannelHandlerContext) {
        busy = false
        guard active else { return }
        if !keepAlive || (closeWhenIdle && queue.isEmpty) {
            context.close(promise: nil)
            return
        }
        if let next = queue.popFirst() {
            start(next, context: context)
        } else if badRequestNext {
            badRequest(context: context)
            return
        }
        if heldRead, queue.count < ConnectionHandler.queued {
            heldRead = false
            context.read()
        }
    }

    /// After a 413 the client may still be sending the body: closing at once, with its bytes
    /// unread, would have the kernel reset the connection and the answer could be lost. So the
    /// server closes its side only, drops what still comes, and closes fully when the client
    /// does or after `lingerTime`.
    private func linger(context: ChannelHandlerContext) {
        busy = false
        lingering = true
        queue.removeAll()
        guard active else { return }
        context.close(mode: .output, promise: nil)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: ConnectionHandler.lingerTime) { bound.value.close(promise: nil) }
        if heldRead {
            heldRead = false
            context.read()
        }
    }

    func read(context: ChannelHandlerContext) {
        if queue.count >= ConnectionHandler.queued {
            heldRead = true
        } else {
            context.read()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if lingering, (event as? ChannelEvent) == .inputClosed {
            context.close(promise: nil)
            return
        }
        if event is ChannelShouldQuiesceEvent || (event as? ChannelEvent) == .inputClosed {
            // No more requests: close now if nothing is under way, else after its answer.
            closeWhenIdle = true
            lastRead = true
            if !busy, head == nil { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        active = false
        queue.removeAll()
        context.fireChannelInactive()
    }

    /// A request NIOHTTP1 could not parse: the answers to the requests before it go out
    /// first, in order, then a 400 and the connection closes (NIO's own error handler would
    /// write its 400 ahead of them).
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError else {
            context.close(promise: nil)
            return
        }
        // After a request that ends the connection nothing is read anyway (llhttp calls what
        // follows `Connection: close` an error): that answer, and the close, still come.
        if lastRead { return }
        lastRead = true
        head = nil
        if busy {
            badRequestNext = true
        } else {
            badRequest(context: context)
        }
    }

    private func badRequest(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ResponseBytes.badRequest)).whenComplete { _ in context.close(promise: nil) }
    }

    /// The writes of a streamed answer, each flushed and awaited: a client that reads slowly
    /// slows the stream down instead of growing its buffer.
    fileprivate func writeBody(_ buffer: ByteBuffer, context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        guard chunked else { return context.writeAndFlush(wrapOutboundOut(buffer)) }
        guard let framed = ResponseBytes.chunk(buffer, allocator: context.channel.allocator) else { return context.eventLoop.makeSucceededVoidFuture() }
        return context.writeAndFlush(wrapOutboundOut(framed))
    }
}

extension ServerResponse {
    var isBytes: Bool {
        if case .bytes = body { return true }
        return false
    }
}

/// A streamed answer's writer on its connection.
private struct ChannelBodyWriter: ServerBodyWriter {
    let context: NIOLoopBound<ChannelHandlerContext>
    let handler: NIOLoopBound<ConnectionHandler>

    init(context: NIOLoopBound<ChannelHandlerContext>, handler: ConnectionHandler) {
        self.context = context
        self.handler = NIOLoopBound(handler, eventLoop: context.eventLoop)
    }

    func write(_ buffer: ByteBuffer) async throws {
        let loop = context.eventLoop
        if loop.inEventLoop {
            try await handler.value.writeBody(buffer, context: context.value).get()
        } else {
            let context = self.context, handler = self.handler
            try await loop.flatSubmit { handler.value.writeBody(buffer, context: context.value) }.get()
        }
    }
}
