import WhsSupport

/// The parts of one account that a reset empties (`POST /v1/reset`, `reset` at the prompt;
/// docs/OPERATIONS.md). Each part is the account's own rows and nothing else's.
public enum ResetPart: String, Sendable, CaseIterable, Comparable {
    /// The mail log, and the `request_id`s the account sent with (so the same id sends again).
    case mails
    /// The delivery log: settled deliveries are deleted with their attempts; pending and
    /// leased ones become `cancelled` and are never pushed again.
    case deliveries
    case webhooks
    case templates

    public static func < (a: ResetPart, b: ResetPart) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// `mails, deliveries, webhooks, templates`, for messages that list the parts.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The part called `text`; a 400 listing the known ones for anything else.
    public static func named(_ text: String) throws(WebhookError) -> ResetPart {
        guard let part = ResetPart(rawValue: text) else {
            throw .invalidParameter("unknown part \(Validation.quoted(text))\(Suggestion.hint(for: text, in: allCases.map(\.rawValue))) (parts: \(names))")
        }
        return part
    }

    /// The parts a `before=` filter applies to: the two logs, whose rows have a time.
    public var takesCutoff: Bool { self == .mails || self == .deliveries }
}

/// What a reset or a delete did: rows deleted per part asked, and deliveries cancelled.
public struct ClearedCounts: Sendable, Equatable {
    /// The parts that were asked for, in `ResetPart` order.
    public var parts: [ResetPart]
    public var mails = 0
    public var deliveries = 0
    /// Pending (or leased) deliveries that became `cancelled`; they stay in the log as such.
    public var cancelled = 0
    public var webhooks = 0
    public var templates = 0
    /// The highest id of a delivery the cancel could have reached (every pending delivery of
    /// the account up to it is cancelled): a dispatcher that holds work in memory drops those
    /// jobs. Nil when nothing was cancelled.
    public var cancelledThrough: Int?

    public init(parts: some Sequence<ResetPart>) {
        self.parts = Set(parts).sorted()
    }

    /// `{"mails": N, "deliveries": N, "cancelled": N, "webhooks": N, "templates": N}`, with the
    /// parts asked for only (`cancelled` goes with `deliveries`).
    public var json: JSON {
        var members: [(key: String, value: JSON)] = []
        for part in parts {
            switch part {
            case .mails: members.append(("mails", .int(mails)))
            case .deliveries: members += [("deliveries", .int(deliveries)), ("cancelled", .int(cancelled))]
            case .webhooks: members.append(("webhooks", .int(webhooks)))
            case .templates: members.append(("templates", .int(templates)))
            }
        }
        return .object(members)
    }

    /// Adds another batch's counts.
    public mutating func add(_ other: ClearedCounts) {
        mails += other.mails
        deliveries += other.deliveries
        cancelled += other.cancelled
        webhooks += other.webhooks
        templates += other.templates
        if let through = other.cancelledThrough { cancelledThrough = max(cancelledThrough ?? through, through) }
    }
}

/// Emptying an account's data in a store (implemented by every store; the conformance suite
/// checks them). Only the account's rows are touched. Large accounts are cleared in batches of
/// short transactions, so that other requests never wait long for the store; the pending
/// deliveries are cancelled first, in one transaction, so that nothing of the account is
/// pushed once the clear has begun.
public protocol DataClearing: Sendable {
    /// Empties `parts` of the account. With `before` (unix seconds), only mails and deliveries
    /// created before then; `before` applies to those two parts alone.
    func clear(account: String, _ parts: Set<ResetPart>, before: Double?) throws(WebhookError) -> ClearedCounts
    /// Gives the account this app key (making the account when needed), in place of the one it
    /// has or would be made (`whs serve --app-key`).
    func setAppKey(account: String, _ key: String) throws(WebhookError)
    /// The accounts that have webhooks or templates, by name (`whs dump` picks the only one).
    func accountsWithSettings() throws(WebhookError) -> [String]
    /// One batch of retention (`whs serve --retain`): deletes at most `limit` rows of each kind
    /// that `policy` no longer keeps, in short transactions; the Pruner calls it until it
    /// deletes nothing.
    func prune(_ policy: RetentionPolicy, now: Double, limit: Int) throws(WebhookError) -> PruneCounts
}

/// `DataClearing`, asynchronously, for the server and the pruner; with the locks that keep
/// several nodes of one shared store from seeding or pruning at the same time.
public protocol AsyncDataClearing: Sendable {
    func clear(account: String, _ parts: Set<ResetPart>, before: Double?) async throws(WebhookError) -> ClearedCounts
    func setAppKey(account: String, _ key: String) async throws(WebhookError)
    func accountsWithSettings() async throws(WebhookError) -> [String]
    func prune(_ policy: RetentionPolicy, now: Double, limit: Int) async throws(WebhookError) -> PruneCounts
    /// Takes one of the store's locks for this process until `release`: waiting for it, or
    /// (`waiting: false`) giving nil at once when another process holds it. A store only one
    /// process works on has nothing to exclude and always gives it.
    func hold(_ lock: StoreLock, waiting: Bool) async throws(WebhookError) -> HeldStoreLock?
    /// Calls `action` with an account's name whenever any process cancelled deliveries of it
    /// (PostgreSQL's NOTIFY), so that a node drops the work of that account it has claimed.
    /// Embedded stores never call it: the process that clears is the one that delivers.
    func onDeliveriesCancelled(_ action: @escaping @Sendable (String) -> Void)
}

extension AsyncDataClearing {
    public func hold(_ lock: StoreLock, waiting: Bool) async throws(WebhookError) -> HeldStoreLock? { HeldStoreLock {} }
    public func onDeliveriesCancelled(_ action: @escaping @Sendable (String) -> Void) {}
}

/// The work that one process at a time does on a shared store.
public enum StoreLock: Sendable {
    /// Running `whs serve --seed` scripts: nodes that start together seed one after another,
    /// and the later ones find nothing left to do.
    case seed
    /// Retention: one node prunes at a time.
    case prune
}

/// A store lock this process holds; `release` gives it back.
public final class HeldStoreLock: Sendable {
    private let releasing: @Sendable () async -> Void

    public init(_ releasing: @escaping @Sendable () async -> Void) {
        self.releasing = releasing
    }

    public func release() async { await releasing() }
}

/// Clearing as the shell sees it, whatever the backend: a local store, or a server's
/// `POST /v1/reset` and `DELETE /v1/mails`, `DELETE /v1/deliveries`.
public protocol AccountClearing: AnyObject {
    /// Empties `parts` of the shell's account; `before` (`1h`, an ISO 8601 time) only for mails
    /// and deliveries, read by whoever holds the data (a server by its own clock).
    func clear(_ parts: Set<ResetPart>, before: String?) throws(WebhookError) -> ClearedCounts
}

/// Clearing on a store this process opened: the shell's account of it.
public final class LocalClearing: AccountClearing {
    let store: any DataClearing
    let account: String

    public init(store: any DataClearing, account: String = "local") {
        self.store = store
        self.account = account
    }

    public func clear(_ parts: Set<ResetPart>, before: String?) throws(WebhookError) -> ClearedCounts {
        let cutoff = try before.map { text throws(WebhookError) in try Cutoff.seconds(text, now: Clock.now()) }
        try Cutoff.check(parts, before: cutoff)
        return try store.clear(account: account, parts, before: cutoff)
    }
}
