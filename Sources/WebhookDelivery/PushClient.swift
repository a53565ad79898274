import HTTPServing
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// The push client: HTTP/1.1 POSTs over SwiftNIO (NIOHTTP1's codec, NIOSSL for https), with a
/// pool of keep-alive connections per origin (`PushPool`). AsyncHTTPClient did this before
/// (docs/PERFORMANCE.md says what it cost); this client does only what a push needs: one POST,
/// its status, the whole answer within the attempt's deadline, no redirects followed.
///
/// A new connection resolves the host once, checks every address against the push policy, and
/// connects to a checked address: nothing resolves the name again between the check and the
/// connect, so a DNS answer that changes in between (DNS rebinding) cannot lead a push to an
/// address that was not checked (docs/SCALING.md). A name's TLS certificate is verified
/// against the name (SNI too), a literal address's against the address.
final class PushClient: Sendable {
    let policy: PushPolicy
    let connectionsPerOrigin: Int
    private let group = PushClient.loops
    /// The push client's own event loops, one per core, not the process's singleton group: on
    /// `whs serve` the server runs requests' tasks on the singleton loops (a send's store
    /// writes included), and a push waiting behind them there lost milliseconds (the p99 of
    /// scripts/bench/latency went from 2.5 to 5.8 ms until the two were apart).
    static let loops = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
    /// The loops as task executors: the dispatcher's workers run on them, so that a push's
    /// request and answer stay on the worker's own loop (its connections are opened there).
    static let executors = EventLoopExecutor.each(of: loops)
    private let pools = Mutex<Pools>(Pools())
    /// Pools past this many are swept of the unused ones (no connection open or being opened,
    /// nobody waiting) when a new one is made: a shared server pushes to whatever origins its
    /// accounts register, and a pool per origin ever pushed to would grow without end.
    let sweepAbove: Int

    private struct Pools {
        var byOrigin: [String: PushPool] = [:]
        /// The size that makes the next sweep: twice what the last one left, so that sweeping
        /// costs a constant share of the pools made.
        var nextSweep = 0
    }
    /// Made on the first https push: it loads the system's trust roots.
    private let tls = Mutex<NIOSSLContext?>(nil)

    init(connectionsPerOrigin: Int, policy: PushPolicy, sweepAbove: Int = 1024) {
        self.connectionsPerOrigin = connectionsPerOrigin
        self.policy = policy
        self.sweepAbove = sweepAbove
    }

    /// POSTs `body` to `target` with `headers` (Host and Content-Length are added) and returns
    /// the answer's status, all within `timeout` seconds. A connection from the pool that turns
    /// out closed by the receiver before anything of the answer came back is replaced, and the
    /// request sent again on another one, within the same deadline.
    func post(_ target: PushTarget, headers: [(String, String)], body: [UInt8], timeout: Double) async throws(PushFailure) -> Int {
        let deadline = NIODeadline.now() + .nanoseconds(Int64(timeout * 1e9))
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: target.path)
        head.headers.reserveCapacity(headers.count + 2)
        head.headers.add(name: "Host", value: target.hostHeader)
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        head.headers.add(name: "Content-Length", value: String(body.count))
        let pool = self.pool(for: target)
        var replaced = 0
        while true {
            let connection: PushConnection
            switch await pool.lease(deadline: deadline) {
            case .reuse(let pooled): connection = pooled
            case .timedOut: throw .timedOut
            case .open:
                do { connection = try await connect(target, pool: pool, deadline: deadline) } catch {
                    pool.connectFailed()
                    throw error
                }
            }
            do {
                return try await connection.post(head, body: body, deadline: deadline)
            } catch {
                // Each stale connection leaves the pool as it fails, so this ends; the bound
                // is for a receiver that closes every reused connection.
                guard error == .stale, replaced < connectionsPerOrigin + 1, NIODeadline.now() < deadline else {
                    throw error == .stale ? .failed(PushFailure.closed) : error
                }
                replaced += 1
            }
        }
    }

    func pool(for target: PushTarget) -> PushPool {
        let origin = target.origin
        return pools.withLock { pools in
            if let pool = pools.byOrigin[origin] { return pool }
            if pools.byOrigin.count >= max(sweepAbove, pools.nextSweep) {
                // A push that took a pool just before it went keeps using it alone; the
                // origin's next push makes a new one. Only an unused pool goes, so at most a
                // push or two in that instant can exceed the origin's cap.
                pools.byOrigin = pools.byOrigin.filter { !$0.value.isUnused }
                pools.nextSweep = 2 * pools.byOrigin.count
            }
            let pool = PushPool(limit: connectionsPerOrigin, loop: group.next())
            pools.byOrigin[origin] = pool
            return pool
        }
    }

    /// Pools kept now (the tests read it).
    var poolCount: Int { pools.withLock { $0.byOrigin.count } }

    /// Resolves once, checks, and connects to the first checked address that answers.
    private func connect(_ target: PushTarget, pool: PushPool, deadline: NIODeadline) async throws(PushFailure) -> PushConnection {
        let addresses = try await checkedAddresses(of: target, deadline: deadline)
        let context = target.secure ? try tlsContext() : nil
        // SNI and the certificate's name: the URL's name; a literal address is checked as an address.
        let serverName = AddressRange.parse(target.host) == nil ? target.host : nil
        var failure = PushFailure.failed("connection refused")
        for address in addresses {
            let remaining = deadline - .now()
            guard remaining > .zero else { throw .timedOut }
            let connection = PushConnection()
            // On the caller's loop when it is one of ours (a worker's): its pushes then never
            // change threads.
            let bootstrap = ClientBootstrap(group: group.any())
                .connectTimeout(remaining)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    do {
                        let pipeline = channel.pipeline.syncOperations
                        if let context { try pipeline.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName)) }
                        try pipeline.addHTTPClientHandlers()
                        try pipeline.addHandler(connection)
                        return channel.eventLoop.makeSucceededVoidFuture()
                    } catch {
                        return channel.eventLoop.makeFailedFuture(error)
                    }
                }
            do {
                let channel = try await bootstrap.connect(to: address).get()
                connection.attach(channel) { [weak pool] in pool?.release($0) }
                channel.closeFuture.whenComplete { [weak pool] _ in pool?.closed(connection) }
                return connection
            } catch {
                failure = PushFailure.describing(error)
                if failure == .timedOut { throw failure }
            }
        }
        throw failure
    }

    /// Every address the host resolves to (once), each allowed by the policy.
    func checkedAddresses(of target: PushTarget, deadline: NIODeadline) async throws(PushFailure) -> [SocketAddress] {
        var found: [[UInt8]]
        if let literal = AddressRange.parse(target.host) {
            found = [literal]
        } else {
            found = try await resolve(target.host, deadline: deadline)
        }
        if let refusal = policy.refusal(host: target.host, addresses: found) { throw .refused(refusal) }
        guard !found.isEmpty else { throw .failed("\(target.host) does not resolve") }
        var seen: [[UInt8]] = []
        var addresses: [SocketAddress] = []
        for address in found where !seen.contains(address) {
            seen.append(address)
            if let socket = try? SocketAddress(ipAddress: AddressRange.text(address), port: target.port) { addresses.append(socket) }
        }
        return addresses
    }

    /// The C library's resolver blocks (its own timeouts run to seconds): it runs on NIO's
    /// thread pool, and the attempt stops waiting for it at its deadline.
    private func resolve(_ host: String, deadline: NIODeadline) async throws(PushFailure) -> [[UInt8]] {
        let loop = group.next()
        let answer = loop.makePromise(of: [[UInt8]].self)
        let once = Once()
        NIOThreadPool.singleton.runIfActive(eventLoop: loop) { AddressRange.resolve(host) }.whenComplete { result in
            if once.claim() { answer.completeWith(result) }
        }
        loop.scheduleTask(deadline: deadline) {
            if once.claim() { answer.fail(PushFailure.timedOut) }
        }
        do {
            return try await answer.futureResult.get()
        } catch {
            if error as? PushFailure == .timedOut { throw .timedOut }
            return []
        }
    }

    /// True for the first caller only.
    private final class Once: Sendable {
        private let done = Atomic<Bool>(false)
        func claim() -> Bool { done.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged }
    }

    private func tlsContext() throws(PushFailure) -> NIOSSLContext {
        do {
            return try tls.withLock { context in
                if let context { return context }
                let made = try NIOSSLContext(configuration: .makeClientConfiguration())
                context = made
                return made
            }
        } catch {
            throw .failed("TLS: cannot set up: \(error)")
        }
    }

    /// Closes every idle connection.
    func shutdown() {
        for pool in pools.withLock({ Array($0.byOrigin.values) }) { pool.closeIdle() }
    }
}
