import NIOCore

/// Tells when the client closed its side of the connection. The server allows half-closed
/// connections, so a client that goes away while a stream has nothing to write does not
/// close the channel: only this event says so. Put first in the pipeline while a stream runs,
/// and taken out when it ends.
public final class InputClosedWatcher: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    public typealias InboundIn = ByteBuffer
    public let closed: @Sendable () -> Void

    public init(_ closed: @escaping @Sendable () -> Void) { self.closed = closed }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { closed() }
        context.fireUserInboundEventTriggered(event)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        closed()
        context.fireChannelInactive()
    }
}
