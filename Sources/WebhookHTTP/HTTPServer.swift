import Dispatch
import Glibc
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import WebhookDelivery

/// `whs serve`'s HTTP/1.1 server: SwiftNIO's sockets and NIOHTTP1's parser and encoder, one
/// `ConnectionHandler` per connection in front of the responder (docs/DESIGN.md, "Serving").
/// SIGTERM and SIGINT stop it gracefully: no new connections, follows end, requests under way
/// are answered, idle connections close; then `run` returns.
struct HTTPServer {
    let host: String
    let port: Int
    let responder: WebhookResponder
    /// The longest a stop waits for requests under way before closing their connections.
    static let stopWait = Duration.seconds(10)

    func run(ready: @escaping @Sendable (Int) -> Void) async throws {
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
                    try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: false, withErrorHandling: false)
                    let (executor, date) = loops[ObjectIdentifier(channel.eventLoop)] ?? (EventLoopExecutor(channel.eventLoop), HTTPDate())
                    try pipeline.addHandler(ConnectionHandler(responder: responder, executor: executor, date: date))
                    connections.insert(channel)
                }
            }
            .bind(host: host, port: port)
            .get()
        let stop = StopSignals()
        ready(server.localAddress?.port ?? 0)
        await stop.wait()
        // No new connections; every follow ends; each connection closes once its answer is out.
        try? await server.close()
        responder.follows.stopAll()
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

/// SIGTERM and SIGINT, from when it is made until the first of them arrives: the signals'
/// default action (ending the process) is set aside meanwhile, and given back after.
/// Unchecked: the sources are set once in `init` and cancelled once in `wait`.
final class StopSignals: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]
    private let stopped = Mutex<(Bool, CheckedContinuation<Void, Never>?)>((false, nil))
    static let signals = [SIGTERM, SIGINT]

    init() {
        var sources: [any DispatchSourceSignal] = []
        for number in StopSignals.signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            sources.append(source)
        }
        self.sources = sources
        for source in sources {
            source.setEventHandler { [weak self] in self?.fire() }
            source.resume()
        }
    }

    private func fire() {
        let waiting = stopped.withLock { state -> CheckedContinuation<Void, Never>? in
            state.0 = true
            defer { state.1 = nil }
            return state.1
        }
        waiting?.resume()
    }

    /// Returns once a signal came (at once if one came already); the signals are then the
    /// process's again.
    func wait() async {
        await withCheckedContinuation { continuation in
            let now = stopped.withLock { state -> Bool in
                if state.0 { return true }
                state.1 = continuation
                return false
            }
            if now { continuation.resume() }
        }
        for source in sources { source.cancel() }
        for number in StopSignals.signals { signal(number, SIG_DFL) }
    }
}
