import Glibc
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization
import WebhookCore

/// The connections of the hot path (docs/SCALING.md, "The hot path"): a few connections that
/// stay open and are shared by every call, taken in turn, never leased. A call writes its
/// statement on the connection's event loop and is resumed once, when the answer is in: no
/// pool state machine, no task per call, no lease to give back. postgres-nio queues the calls
/// that share a connection and runs them one after the other, and prepares each statement
/// once per connection (the statements of `PostgresStatements.swift`).
///
/// Only short statements that take no locks another transaction could hold for long go here:
/// a call waits behind the one before it on its connection. Transactions and long statements
/// (retention, resets) stay on the pool.
final class PinnedConnections: Sendable {
    /// Eight connections: enough to keep PostgreSQL's two cores busy while some of them are
    /// on the wire, few enough that the backends are not woken for one statement each.
    static let count = 8
    /// A slot that failed to connect is not tried again for a second: meanwhile calls go to
    /// the pool, which says why the database cannot be reached.
    static let retryAfter: Duration = .seconds(1)

    final class Slot: Sendable {
        /// The event loop its connections live on.
        let loop: any EventLoop
        /// Calls sent on the connection and not yet answered, and when the last answer came
        /// (`PinnedConnections.clock`): read without the lock, to choose a slot and to watch.
        let waiting = Atomic<Int>(0)
        let progress = Atomic<Int>(0)
        /// Whether the slot holds a connection (as far as it knows): an idle open slot is
        /// taken before one that would have to connect.
        let open = Atomic<Bool>(false)

        init(loop: any EventLoop) { self.loop = loop }

        struct State {
            var connection: PostgresConnection?
            var opening: Task<PostgresConnection, any Error>?
            var failed: ContinuousClock.Instant?
            /// Counts the connections this slot has had; the watchdog notes the one it closed.
            var generation = 0
            var closedByWatchdog = -1
        }
        let state = Mutex(State())

        /// A lease on `connection` of `generation`; called under the lock.
        func lease(_ connection: PostgresConnection, _ generation: Int) -> Lease {
            if waiting.load(ordering: .relaxed) == 0 { progress.store(PinnedConnections.clock(), ordering: .relaxed) }
            waiting.add(1, ordering: .relaxed)
            return Lease(connection: connection, slot: self, generation: generation)
        }
    }

    /// A connection to write a call on, and what to tell when the call is done.
    struct Lease {
        let connection: PostgresConnection
        let slot: Slot
        let generation: Int

        func done() {
            slot.progress.store(PinnedConnections.clock(), ordering: .relaxed)
            slot.waiting.subtract(1, ordering: .relaxed)
        }

        /// True when the watchdog closed this connection because nothing came back in time.
        var timedOut: Bool { slot.state.withLock { $0.closedByWatchdog == generation } }

        /// Closes the connection (its prepared statements went wrong, or it broke): the slot
        /// opens a new one for the next call.
        func retire() {
            let stale = slot.state.withLock { state -> PostgresConnection? in
                guard state.generation == generation, let current = state.connection else { return nil }
                state.connection = nil
                slot.open.store(false, ordering: .relaxed)
                return current
            }
            if let stale { PinnedConnections.shut(stale) }
        }
    }

    /// Nanoseconds of the monotonic clock.
    static func clock() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return now.tv_sec * 1_000_000_000 + now.tv_nsec
    }

    /// The slot with the fewest calls waiting, an open one before one that would connect,
    /// from a turning start so that ties are spread. So connections are opened only while all
    /// the open ones are busy: a shell's statements, or a quiet node's, share one connection.
    static func leastBusy(_ slots: [Slot], from turn: Int) -> Slot {
        func rank(_ slot: Slot) -> Int { slot.waiting.load(ordering: .relaxed) * 2 + (slot.open.load(ordering: .relaxed) ? 0 : 1) }
        var best = slots[turn % slots.count], lowest = rank(best)
        var index = 1
        while lowest > 0 && index < slots.count {
            let slot = slots[(turn + index) % slots.count]
            let ranked = rank(slot)
            if ranked < lowest { (best, lowest) = (slot, ranked) }
            index += 1
        }
        return best
    }

    let slots: [Slot]
    /// The slots of each event loop of the group, by the loop's identity: a call made on one
    /// of them (the server runs each request's task on its connection's loop) takes a
    /// connection of the same loop, so its statement is written and its answer read and
    /// handed back without crossing to another thread.
    let byLoop: [ObjectIdentifier: [Slot]]
    let turn = Atomic<Int>(0)
    let configuration: PostgresConnection.Configuration
    let timeout: Duration

    init(configuration: PostgresConnection.Configuration, timeout: Duration) {
        self.configuration = configuration
        self.timeout = timeout
        let loops = Array(MultiThreadedEventLoopGroup.singleton.makeIterator())
        let slots = (0..<max(PinnedConnections.count, loops.count)).map { Slot(loop: loops[$0 % loops.count]) }
        self.slots = slots
        byLoop = Dictionary(grouping: slots) { ObjectIdentifier($0.loop) }
        watch()
    }

    /// The next slot's connection (or `slot`'s), opened first when it has none; nil when it
    /// cannot be opened (the caller goes to the pool).
    func lease(on chosen: Slot? = nil) async -> Lease? {
        let turn = self.turn.wrappingAdd(1, ordering: .relaxed).oldValue
        let slot: Slot
        if let chosen {
            slot = chosen
        } else if let current = MultiThreadedEventLoopGroup.currentEventLoop, let own = byLoop[ObjectIdentifier(current)] {
            slot = PinnedConnections.leastBusy(own, from: turn)
        } else {
            slot = PinnedConnections.leastBusy(slots, from: turn)
        }
        enum Step { case ready(Lease), wait(Task<PostgresConnection, any Error>), skip }
        let configuration = self.configuration
        let step = slot.state.withLock { state -> Step in
            if let connection = state.connection, !connection.isClosed {
                return .ready(slot.lease(connection, state.generation))
            }
            state.connection = nil
            slot.open.store(false, ordering: .relaxed)
            if let opening = state.opening { return .wait(opening) }
            if let failed = state.failed, failed + PinnedConnections.retryAfter > .now { return .skip }
            let opening = Task(executorPreference: PostgresStore.background) {
                try await PostgresConnection.connect(on: slot.loop, configuration: configuration,
                                                     id: PinnedConnections.ids.wrappingAdd(1, ordering: .relaxed).oldValue, logger: PostgresStore.quiet)
            }
            state.opening = opening
            return .wait(opening)
        }
        switch step {
        case .ready(let lease):
            return lease
        case .skip:
            return nil
        case .wait(let opening):
            let opened = await opening.result
            return slot.state.withLock { state -> Lease? in
                if state.opening == opening {
                    state.opening = nil
                    switch opened {
                    case .success(let connection):
                        state.connection = connection
                        slot.open.store(true, ordering: .relaxed)
                        state.generation += 1
                        state.failed = nil
                    case .failure:
                        state.failed = .now
                    }
                }
                guard let connection = state.connection, !connection.isClosed else { return nil }
                return slot.lease(connection, state.generation)
            }
        }
    }

    static let ids = Atomic<Int>(1_000_000)

    /// Closes without waiting: the calls queued on it fail at once. The connection is kept
    /// until it is closed (postgres-nio asserts that none is dropped open).
    static func shut(_ connection: PostgresConnection) {
        let closed: EventLoopFuture<Void> = connection.close()
        closed.whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    deinit {
        for slot in slots {
            if let connection = slot.state.withLock({ $0.connection }) { PinnedConnections.shut(connection) }
        }
    }

    /// Closes a connection whose calls have had no answer for `timeout`: its calls fail at
    /// once (as 503s), where a query cannot be abandoned otherwise; the next call opens a new
    /// one. Four looks a second, whatever the number of calls.
    private func watch() {
        let timeout = self.timeout
        Task(executorPreference: PostgresStore.background) { [weak self] in
            let limit = Int(timeout.components.seconds) * 1_000_000_000 + Int(timeout.components.attoseconds / 1_000_000_000)
            while let slots = self?.slots {
                let now = PinnedConnections.clock()
                for slot in slots where slot.waiting.load(ordering: .relaxed) > 0 && now - slot.progress.load(ordering: .relaxed) > limit {
                    let stuck = slot.state.withLock { state -> PostgresConnection? in
                        guard let connection = state.connection else { return nil }
                        state.closedByWatchdog = state.generation
                        state.connection = nil
                        slot.open.store(false, ordering: .relaxed)
                        return connection
                    }
                    if let stuck { PinnedConnections.shut(stuck) }
                }
                try? await Task.sleep(for: CallDeadlines.tick)
            }
        }
    }

    /// The pool's connection settings, for connections of its own: TLS as the URL asks.
    static func configuration(_ location: PostgresLocation) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS = try PostgresStore.tlsSettings(location).map { .require(try NIOSSLContext(configuration: $0)) } ?? .disable
        var configuration = PostgresConnection.Configuration(host: location.host, port: location.port, username: location.user,
                                                             password: location.password, database: location.database, tls: tls)
        configuration.options.connectTimeout = .seconds(2)
        return configuration
    }
}
