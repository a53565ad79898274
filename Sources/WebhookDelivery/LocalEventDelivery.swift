import Dispatch
import Glibc
import Synchronization
import WebhookCore
import WhsSupport

/// Delivery for a shell on a store it opens itself: its own dispatcher, pushing from this
/// process (on a shared store, as one more node). The dispatcher is asynchronous; the shell
/// waits for it on its own thread (`Blocking`), and reads the log through `store`.
public final class LocalEventDelivery: EventDelivery {
    public let dispatcher: Dispatcher
    let store: any DeliveryStore
    let account: String
    /// Raised each time the attempt log has written a batch: a script's wait wakes then.
    let logged = LogWake()

    /// Resumes the store's pending deliveries (a run that ended before they settled) at once.
    public init(store: any DeliveryStore, dispatcher: Dispatcher, account: String = "local") throws(WebhookError) {
        self.dispatcher = dispatcher
        self.store = store
        self.account = account
        let logged = self.logged
        dispatcher.onAttemptsLogged { logged.raise() }
        try Blocking.run { () async throws(WebhookError) in _ = try await dispatcher.resumePending() }
    }

    /// On an embedded store, which is both the log the shell reads and the one it delivers from.
    public convenience init(store: any DeliveryStore & AsyncDeliveryStore, account: String = "local") throws(WebhookError) {
        try self.init(store: store, dispatcher: Dispatcher(store: store), account: account)
    }

    public var pushOptions: PushOptions {
        get { dispatcher.options }
        set { dispatcher.options = newValue }
    }

    public var unsettledCount: Int { dispatcher.unsettledCount }

    /// The shell's `reset` cancelled deliveries: the ones this dispatcher holds are dropped.
    public func deliveriesCancelled(_ cleared: ClearedCounts) {
        dispatcher.deliveriesCancelled(account: account, through: cleared.cancelledThrough)
        guard let through = cleared.cancelledThrough else { return }
        let dispatcher = self.dispatcher
        Blocking.run { () async in await dispatcher.forgetCancelled(through: through) }
    }

    public func trigger(_ trigger: EventTrigger, wait: DeliveryWait?) throws(WebhookError) -> JSON {
        let (dispatcher, account) = (self.dispatcher, self.account)
        let result = try Blocking.run { () async throws(WebhookError) in try await dispatcher.trigger(account: account, trigger) }
        guard let wait else { return result.json }
        return try waited(result.json, ids: Set(result.deliveries.map(\.id)), messageID: result.messageID, wait)
    }

    public func deliveries(_ query: DeliveryQuery) throws(WebhookError) -> JSON {
        deliveriesJSON(try store.deliveries(account: account, query))
    }

    public func redeliver(id: Int, wait: DeliveryWait?) throws(WebhookError) -> JSON {
        let (dispatcher, account) = (self.dispatcher, self.account)
        let copy = try Blocking.run { () async throws(WebhookError) in try await dispatcher.redeliver(account: account, id: id) }
        guard let wait else { return copy.json }
        return try watch([copy.id], messageID: copy.messageID, wait).deliveries.first ?? copy.json
    }

    public func payload(_ trigger: EventTrigger) throws(WebhookError) -> JSON {
        try EventPayload.build(trigger, extras: dispatcher.options.payloadExtras)
    }

    public func appKey() throws(WebhookError) -> String {
        let (dispatcher, account) = (self.dispatcher, self.account)
        return try Blocking.run { () async throws(WebhookError) in try await dispatcher.appKey(account: account) }
    }

    /// When nobody hears each attempt as it happens (a script, not the prompt) and this
    /// process delivers everything itself (not a shared log), the wait asks the dispatcher,
    /// in memory, whether the deliveries settled, and reads the log once they have: polling
    /// the log read every delivery every 20 ms, which a fan-out's `wait=true` paid for in time
    /// and CPU (docs/PERFORMANCE.md). A delivery settles once the attempt log has written its
    /// last attempt, so the wait asks again each time the log has written a batch (`logged`),
    /// not on a 1 ms timer; every `LogWake.fallback` seconds too, for a delivery settled
    /// without a write (cancelled, or gone from the log) and for Ctrl-C.
    func watch(_ ids: Set<Int>, messageID: String, _ wait: DeliveryWait) throws(WebhookError) -> (deliveries: [JSON], pending: Int) {
        var rest = wait
        if wait.progress == nil, dispatcher.shared == nil {
            let deadline = Clock.now() + wait.timeout
            let watched = Array(ids)
            while true {
                logged.arm()
                if dispatcher.isSettled(watched) || wait.isInterrupted() { break }
                let left = deadline - Clock.now()
                if left <= 0 { break }
                logged.wait(seconds: min(left, LogWake.fallback))
            }
            rest.timeout = max(0, deadline - Clock.now())
        }
        return try store.watch(account: account, ids, messageID: messageID, rest)
    }

    /// A trigger's answer with the deliveries as the wait left them.
    func waited(_ answer: JSON, ids: Set<Int>, messageID: String, _ wait: DeliveryWait) throws(WebhookError) -> JSON {
        waitedAnswer(answer, try watch(ids, messageID: messageID, wait), wait)
    }
}

/// Wakes a thread waiting for the attempt log's next batch. `arm` before checking the condition,
/// then `wait`: a batch written after the check raises the semaphore, one written before it
/// is seen by the check. A raise with nobody armed costs an atomic exchange.
final class LogWake: Sendable {
    /// How long a wait lasts when no batch is written.
    static let fallback = 0.005
    private let armed = Atomic<Bool>(false)
    private let semaphore = DispatchSemaphore(value: 0)

    func arm() { armed.store(true, ordering: .sequentiallyConsistent) }

    func raise() {
        if armed.exchange(false, ordering: .sequentiallyConsistent) { semaphore.signal() }
    }

    /// Returns when raised (or on a raise left from an earlier wait), or after `seconds`.
    func wait(seconds: Double) {
        _ = semaphore.wait(timeout: .now() + .nanoseconds(Int(seconds * 1e9)))
    }
}
