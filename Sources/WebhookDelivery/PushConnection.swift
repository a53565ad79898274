import NIOCore
import NIOHTTP1

/// One keep-alive HTTP/1.1 connection to a receiver: the last handler of its channel, after
/// NIOHTTP1's request encoder and response decoder (and NIOSSL's handler for https). It runs
/// one request at a time and completes its promise with the answer's status once the whole
/// answer is read, or with why not.
///
/// Its state is touched only on the channel's event loop, except `channel`, set once by the
/// task that connected it before the connection is shared (hence `@unchecked Sendable`).
final class PushConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    /// Answers up to this size are read (and dropped); a longer one is cut off, not a failure:
    /// the status counts, and the connection is closed instead of reading the rest.
    static let maxAnswerBytes = 64 * 1024
    /// An idle connection is closed after this long unused.
    static let idleTimeout = TimeAmount.seconds(60)

    private(set) var channel: (any Channel)!
    /// Told when an answer has ended on a connection that may take another request.
    private var reusable: (@Sendable (PushConnection) -> Void)?

    private var context: ChannelHandlerContext?
    private var promise: EventLoopPromise<Int>?
    private var deadlineTask: Scheduled<Void>?
    private var status = 0
    private var received = 0
    /// Some of this request's answer arrived.
    private var answered = false
    private var informational = false
    private var keepAlive = true
    /// Requests answered on this connection so far: a request on a connection that has served
    /// one may find it closed by the receiver's keep-alive timeout.
    private var served = 0
    /// The error that closed the connection before a request began on it (a TLS handshake
    /// that failed while the request was on its way to the event loop).
    private var closedBecause: PushFailure?
    private var idleSince: NIODeadline?
    private var idleCheck: Scheduled<Void>?

    /// Called once, after the connect and before the connection is used or pooled.
    func attach(_ channel: any Channel, reusable: @escaping @Sendable (PushConnection) -> Void) {
        self.channel = channel
        self.reusable = reusable
    }

    var isActive: Bool { channel.isActive }

    /// Posts on the event loop; the body becomes a ByteBuffer here, its one copy.
    func post(_ head: HTTPRequestHead, body: [UInt8], deadline: NIODeadline) async throws(PushFailure) -> Int {
        let loop = channel.eventLoop
        let promise = loop.makePromise(of: Int.self)
        if loop.inEventLoop {
            start(head, body: body, deadline: deadline, promise: promise)
        } else {
            loop.execute { [self] in start(head, body: body, deadline: deadline, promise: promise) }
        }
        do {
            return try await promise.futureResult.get()
        } catch {
            throw PushFailure.describing(error)
        }
    }

    private func start(_ head: HTTPRequestHead, body: [UInt8], deadline: NIODeadline, promise: EventLoopPromise<Int>) {
        guard let context, context.channel.isActive, self.promise == nil else {
            promise.fail(served > 0 ? PushFailure.stale : (closedBecause ?? PushFailure.failed(PushFailure.closed)))
            return
        }
        self.promise = promise
        status = 0
        received = 0
        answered = false
        informational = false
        keepAlive = true
        idleSince = nil
        deadlineTask = context.eventLoop.scheduleTask(deadline: deadline) { [self] in
            finish(.failure(PushFailure.timedOut))
            self.context?.close(promise: nil)
        }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    private func finish(_ result: Result<Int, PushFailure>) {
        guard let promise else { return }
        self.promise = nil
        deadlineTask?.cancel()
        deadlineTask = nil
        promise.completeWith(result.mapError { $0 as any Error })
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard promise != nil else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            answered = true
            // A 100 Continue (or another 1xx) comes before the answer itself.
            informational = head.status.code < 200
            if !informational {
                status = Int(head.status.code)
                keepAlive = head.isKeepAlive
            }
        case .body(let part):
            received += part.readableBytes
            if received > PushConnection.maxAnswerBytes {
                finish(.success(status))
                context.close(promise: nil)
            }
        case .end:
            if informational {
                informational = false
                return
            }
            served += 1
            if keepAlive {
                idleSince = .now()
                if idleCheck == nil { scheduleIdleCheck(at: idleSince! + PushConnection.idleTimeout) }
                reusable?(self)
            }
            finish(.success(status))
            if !keepAlive { context.close(promise: nil) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(served > 0 && !answered ? .stale : .failed(PushFailure.closed)))
        idleCheck?.cancel()
        idleCheck = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let failure = PushFailure.describing(error)
        if closedBecause == nil { closedBecause = failure }
        finish(.failure(served > 0 && !answered && failure.isClosedConnection ? .stale : failure))
        context.close(promise: nil)
    }

    /// Closes the connection once it has been idle for `idleTimeout`.
    private func scheduleIdleCheck(at deadline: NIODeadline) {
        idleCheck = context?.eventLoop.scheduleTask(deadline: deadline) { [self] in
            idleCheck = nil
            guard let since = idleSince else { return }
            if since + PushConnection.idleTimeout <= .now() {
                context?.close(promise: nil)
            } else {
                scheduleIdleCheck(at: since + PushConnection.idleTimeout)
            }
        }
    }
}
