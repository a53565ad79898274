import Glibc
import WhsSupport

/// How long a follow (`deliveries follow=true`, `mails follow=true`) goes on: until its
/// timeout, or until the user presses Ctrl-C (the prompt only: a script must give a timeout,
/// so that it always ends).
public struct FollowWait {
    /// Seconds; nil: until interrupted.
    public var timeout: Double?
    public var isInterrupted: () -> Bool

    public init(timeout: Double?, isInterrupted: @escaping () -> Bool = { false }) {
        self.timeout = timeout
        self.isInterrupted = isInterrupted
    }
}

/// How a follow ended.
public enum FollowEnd: String, Sendable {
    case timeout, interrupted
}

/// A backend whose activity can be followed: a local store's log (read a few times a second),
/// or a server's `GET /v1/stream`. `each` gets every new row of `kinds` (`ActivityEntry.json`)
/// from the moment the follow starts, as it is recorded.
public protocol ActivityFollowing: AnyObject {
    func follow(_ kinds: Set<ActivityKind>, _ wait: FollowWait, each: (JSON) -> Void) throws(WebhookError) -> FollowEnd
}

extension ActivityLog {
    /// Follows the account's rows on this store: reads after the last row seen every
    /// `pollMicroseconds` (at once after a full page), until the wait ends. Holds nothing
    /// between reads but the position.
    public func follow(account: String, _ kinds: Set<ActivityKind>, _ wait: FollowWait, pollMicroseconds: UInt32 = 100_000,
                       each: (JSON) -> Void) throws(WebhookError) -> FollowEnd {
        let deadline = wait.timeout.map { Clock.now() + $0 }
        var cursor = try activityEnd()
        while true {
            let page = try activity(account: account, after: cursor, limit: 500)
            for entry in page.entries where kinds.contains(entry.kind) { each(entry.json) }
            cursor = page.end
            if page.full { continue }
            // Sleep in short steps, so that Ctrl-C and the timeout are heard at once.
            let wake = Clock.now() + Double(pollMicroseconds) / 1e6
            while Clock.now() < wake {
                if wait.isInterrupted() { return .interrupted }
                if let deadline, Clock.now() >= deadline { return .timeout }
                usleep(20_000)
            }
        }
    }
}
