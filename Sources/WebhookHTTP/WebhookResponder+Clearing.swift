import HTTPServing
import WebhookCore
import WhsSupport

/// `POST /v1/reset`, `DELETE /v1/mails` and `DELETE /v1/deliveries` (docs/OPERATIONS.md): the
/// caller's account and nothing else. The request is read and checked whole first, so a bad
/// part or filter is a 400 that deletes nothing.
extension WebhookResponder {
    func clear(_ route: ServerRoute, _ request: ServerRequest, account: String, limit: Int) async throws -> ServerResponse {
        switch route {
        case .reset:
            let parts = try WireDecoding.resetParts(try body(of: request, limit: limit))
            return ok(try await clear(account: account, parts, before: nil).json)
        case .mails:
            let cleared = try await clear(account: account, [.mails], before: try WireDecoding.cutoff(request.query))
            return ok(.object([("count", .int(cleared.mails))]))
        default:
            let cleared = try await clear(account: account, [.deliveries], before: try WireDecoding.cutoff(request.query))
            return ok(.object([("count", .int(cleared.deliveries)), ("cancelled", .int(cleared.cancelled))]))
        }
    }

    /// Clears, then has this node's dispatcher drop what it holds of the cancelled deliveries
    /// (other nodes of a shared store hear of it from the store).
    func clear(account: String, _ parts: Set<ResetPart>, before: Double?) async throws(WebhookError) -> ClearedCounts {
        guard let store = backend as? any AsyncDataClearing else { throw .routeNotFound("this server's store cannot be cleared") }
        let cleared = try await store.clear(account: account, parts, before: before)
        if cleared.cancelled > 0 { dispatcher?.deliveriesCancelled(account: account, through: cleared.cancelledThrough) }
        return cleared
    }
}
