import WebhookCore
import WhsSupport

/// Following a local store: its own activity log, read by this process. On SQLite a mail sent
/// by another process on the same file shows within the poll (0.1 s); on PostgreSQL what any
/// node did.
extension LocalEventDelivery: ActivityFollowing {
    public func follow(_ kinds: Set<ActivityKind>, _ wait: FollowWait, each: (JSON) -> Void) throws(WebhookError) -> FollowEnd {
        guard let log = store as? any ActivityLog else { throw .invalidParameter("this store keeps no activity log to follow") }
        return try log.follow(account: account, kinds, wait, each: each)
    }
}
