import NIOCore

/// Tells when the client closed its side of the connection. The server allows half-closed
/// connections, so a client that goes away while a stream has nothing to write does not
/// close the channel: only this event says so. Put first in the pipeline while a stream runs,
/// and taken out when it ends.
final class InputClosedWatcher: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let closed: @Sendable () -> Void

    init(_ closed: @escaping @Sendable () -> Void) { self.closed = closed }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { closed() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed()
        context.fireChannelInactive()
    }
}
