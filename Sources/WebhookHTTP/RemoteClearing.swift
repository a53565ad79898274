import WebhookCore
import WhsSupport

/// Clearing the connected account on a server (`reset` at the prompt on `--url`): `POST
/// /v1/reset`, or with `before=` the `DELETE` of each log asked for, the age read by the
/// server's clock.
public final class RemoteClearing: AccountClearing {
    let remote: RemoteService

    public init(remote: RemoteService) {
        self.remote = remote
    }

    public func clear(_ parts: Set<ResetPart>, before: String?) throws(WebhookError) -> ClearedCounts {
        var cleared = ClearedCounts(parts: parts)
        guard let before else {
            let answer = try remote.send(.reset(parts))
            cleared.mails = number(answer, "mails")
            cleared.deliveries = number(answer, "deliveries")
            cleared.cancelled = number(answer, "cancelled")
            cleared.webhooks = number(answer, "webhooks")
            cleared.templates = number(answer, "templates")
            return cleared
        }
        // Checked here as the server would, so that a bad part deletes nothing on either log.
        _ = try Cutoff.seconds(before, now: Clock.now())
        try Cutoff.check(parts, before: 0)
        for part in parts.sorted() {
            let answer = try remote.send(.deleteLog(part, before: before))
            if part == .mails { cleared.mails = number(answer, "count") }
            else {
                cleared.deliveries = number(answer, "count")
                cleared.cancelled = number(answer, "cancelled")
            }
        }
        return cleared
    }

    func number(_ answer: JSON, _ key: String) -> Int { if case .int(let value)? = answer[key] { value } else { 0 } }
}
