import WhsSupport

/// What a node keeps (`whs serve --retain DURATION --retain-mails N`; docs/OPERATIONS.md):
/// mails and settled deliveries younger than `maxAge`, and each account's newest
/// `mailsPerAccount` mails. Pending deliveries are never pruned, whatever their age.
public struct RetentionPolicy: Sendable, Equatable {
    /// Seconds; nil keeps rows of any age.
    public var maxAge: Double?
    /// Nil keeps any number of mails.
    public var mailsPerAccount: Int?

    public init(maxAge: Double? = nil, mailsPerAccount: Int? = nil) {
        self.maxAge = maxAge
        self.mailsPerAccount = mailsPerAccount
    }

    public var isEmpty: Bool { maxAge == nil && mailsPerAccount == nil }

    /// How long a `request_id` is remembered (the hour of docs/SENDING.md, `Mailer.requestIDMemory`):
    /// older ones are pruned whenever a node prunes at all.
    public static let requestIDSeconds = 3600.0

    /// `--retain`: a duration of at least a second (`90s`, `30m`, `12h`, `7d`, or seconds).
    public static func maxAge(parsing text: String) throws(WebhookError) -> Double {
        let seconds = Cutoff.age(text) ?? (text.first?.isNumber == true ? DurationText.seconds(text) : nil)
        guard let seconds, seconds.isFinite, seconds >= 1 else {
            throw .invalidParameter("--retain must be a duration of at least 1s (90s, 30m, 12h, 7d), got \(Validation.quoted(String(text.prefix(60))))")
        }
        return seconds
    }

    /// `--retain-mails`: a whole number from 1.
    public static func mailsPerAccount(parsing text: String) throws(WebhookError) -> Int {
        guard let count = Int(text), count >= 1 else {
            throw .invalidParameter("--retain-mails must be a whole number of mails from 1, got \(Validation.quoted(String(text.prefix(60))))")
        }
        return count
    }

    /// How often a node looks for rows to prune: a quarter of the age kept, between 1 s and a
    /// minute, so that a short `--retain` in a test acts within seconds.
    public var interval: Double {
        guard let maxAge else { return 60 }
        return min(60, max(1, maxAge / 4))
    }

    /// `mails and settled deliveries older than 1h; the newest 1000 mails of each account`.
    public var description: String {
        var parts: [String] = []
        if let maxAge { parts.append("mails and settled deliveries older than \(DurationText.format(maxAge))") }
        if let mailsPerAccount { parts.append("mails beyond each account's newest \(mailsPerAccount)") }
        return parts.joined(separator: "; ")
    }
}

/// Rows one prune deleted.
public struct PruneCounts: Sendable, Equatable {
    public var mails = 0
    public var deliveries = 0
    /// Remembered `request_id`s past their hour.
    public var requestIDs = 0

    public init(mails: Int = 0, deliveries: Int = 0, requestIDs: Int = 0) {
        self.mails = mails
        self.deliveries = deliveries
        self.requestIDs = requestIDs
    }

    public var total: Int { mails + deliveries + requestIDs }

    public mutating func add(_ other: PruneCounts) {
        mails += other.mails
        deliveries += other.deliveries
        requestIDs += other.requestIDs
    }
}

/// Retention on a node: every `policy.interval` a pass prunes what the policy no longer keeps,
/// in batches sized so that each takes about `target` (a few milliseconds: on an embedded store
/// a request waits for one batch at most), with a pause after each twice as long as the batch
/// took, so that the prune uses at most a third of the store's time. On a shared store one node
/// prunes at a time (`StoreLock.prune`); a node that finds the lock held skips its pass. It
/// runs on a thread of its own, so that an embedded store's batches never hold a thread the
/// server needs.
public final class Pruner: Sendable {
    let store: any AsyncDataClearing
    public let policy: RetentionPolicy
    /// Rows of each kind in the first batch; later ones grow or shrink toward `target`.
    let batch: Int
    let report: @Sendable (PruneCounts) -> Void
    static let executor = DedicatedThreadExecutor()
    /// How long a batch should take. Measured (scripts/bench/prune, docs/PERFORMANCE.md): fixed
    /// batches of 500 rows made the p99 of a loaded node's requests 14 times its idle p99.
    static let target: Duration = .milliseconds(4)
    static let sizes = 10...5000

    /// `report` hears each pass that deleted something.
    public init(store: any AsyncDataClearing, policy: RetentionPolicy, batch: Int = 100, report: @escaping @Sendable (PruneCounts) -> Void = { _ in }) {
        self.store = store
        self.policy = policy
        self.batch = batch
        self.report = report
    }

    /// Passes until the process ends, the first one now.
    @discardableResult
    public func start() -> Task<Void, Never> {
        Task(executorPreference: Pruner.executor) { [self] in
            while !Task.isCancelled {
                let pruned = try? await pass()
                if let pruned, pruned.total > 0 { report(pruned) }
                try? await Task.sleep(for: .milliseconds(Int64(policy.interval * 1000)))
            }
        }
    }

    /// One pass: batches until one deletes nothing. Nil when another node holds the lock.
    public func pass() async throws(WebhookError) -> PruneCounts? {
        guard let lock = try await store.hold(.prune, waiting: false) else { return nil }
        var pruned = PruneCounts()
        var limit = batch
        do throws(WebhookError) {
            while true {
                let started = ContinuousClock.now
                let done = try await store.prune(policy, now: Clock.now(), limit: limit)
                pruned.add(done)
                if done.total == 0 { break }
                let took = ContinuousClock.now - started
                if took > Pruner.target { limit = max(Pruner.sizes.lowerBound, limit / 2) }
                else if took < Pruner.target / 2 { limit = min(Pruner.sizes.upperBound, limit * 2) }
                try? await Task.sleep(for: max(.milliseconds(2), min(took * 2, .milliseconds(200))))
            }
        } catch {
            await lock.release()
            throw error
        }
        await lock.release()
        return pruned
    }
}
