import Dispatch
import Glibc
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The HTTP/1.1 server of `whs serve` and `whs listen`: SwiftNIO's sockets and NIOHTTP1's
/// parser, one `ConnectionHandler` per connection in front of the responder
/// (docs/DESIGN.md, "Serving"). A stop (SIGTERM or SIGINT, or a `ServerStop`) is graceful: no
/// new connections, the responder's streams end, requests under way are answered, idle
/// connections close; then `run` returns.
public struct HTTPServer: Sendable {
    public let host: String
    public let port: Int
    public let responder: any ServerResponder
    /// The longest a stop waits for requests under way before closing their connections.
    static let stopWait = Duration.seconds(10)

    public init(host: String, port: Int, responder: any ServerResponder) {
        self.host = host
        self.port = port
        self.responder = responder
    }

    /// What stops a server.
    public enum Until: Sendable {
        /// SIGTERM or SIGINT (set aside from just before the server is ready until then).
        case signals
        /// `stop()` of this (a receiver the shell runs in the background).
        case stopped(ServerStop)
    }

    /// Serves until told to stop; `ready` is given the bound port (useful with port 0).
    public func run(until: Until = .signals, ready: @escaping @Sendable (Int) -> Void) async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let connections = ConnectionSet()
        let responder = self.responder
        // One executor (and `Date` cache) per event loop, shared by its connections.
        var executors: [ObjectIdentifier: (EventLoopExecutor, HTTPDate)] = [:]
        for executor in EventLoopExecutor.each(of: group) { executors[ObjectIdentifier(executor.loop)] = (executor, HTTPDate()) }
        let loops = executors
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            // TCP's own level: `socketOption(.tcp_nodelay)` would set SOL_SOCKET's option 1,
            // SO_DEBUG, which only root may set (every connection refused under a service user).
            .childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    // The request decoder only: `ConnectionHandler` writes its answers' bytes itself.
                    try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
                    let (executor, date) = loops[ObjectIdentifier(channel.eventLoop)] ?? (EventLoopExecutor(channel.eventLoop), HTTPDate())
                    try pipeline.addHandler(ConnectionHandler(responder: responder, executor: executor, date: date))
                    connections.insert(channel)
                }
            }
            .bind(host: host, port: port)
            .get()
        let signals: StopSignals? = if case .signals = until { StopSignals() } else { nil }
        ready(server.localAddress?.port ?? 0)
        switch until {
        case .signals: await signals!.wait()
        case .stopped(let stop): await stop.wait()
        }
        // No new connections; every stream ends; each connection closes once its answer is out.
        try? await server.close()
        responder.stopping()
        connections.quiesce()
        let deadline = ContinuousClock.now + HTTPServer.stopWait
        while !connections.isEmpty, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        connections.closeAll()
    }
}

/// The open connections, for a stop: told to finish (`ChannelShouldQuiesceEvent`), and counted.
final class ConnectionSet: Sendable {
    private let open = Mutex<[ObjectIdentifier: any Channel]>([:])

    func insert(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        open.withLock { $0[key] = channel }
        channel.closeFuture.whenComplete { _ in _ = self.open.withLock { $0.removeValue(forKey: key) } }
    }

    var isEmpty: Bool { open.withLock { $0.isEmpty } }

    func quiesce() {
        for channel in open.withLock({ Array($0.values) }) {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }

    func closeAll() {
        for channel in open.withLock({ Array($0.values) }) { channel.close(promise: nil) }
    }
}

/// A stop asked for by code: `stop()` ends the `run` that waits on it (at once if it was
/// asked before the wait began).
public final class ServerStop: Sendable {
    private let state = Mutex<(stopped: Bool, waiting: CheckedContinuation<Void, Never>?)>((false, nil))

    public init() {}

    public func stop() {
        let waiting = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.stopped = true
            defer { state.waiting = nil }
            return state.waiting
        }
        waiting?.resume()
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if state.stopped { return true }
                state.waiting = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }
}
