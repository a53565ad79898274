import WebhookCore

/// Reset, deletes and retention in memory: the same rules as in SQLite. Each call holds the
/// lock once; a memory store's rows go in microseconds each.
extension MemoryStore: DataClearing {
    public func clear(account: String, _ parts: Set<ResetPart>, before: Double?) throws(WebhookError) -> ClearedCounts {
        try Cutoff.check(parts, before: before)
        return state.withLock { state in
            var counts = ClearedCounts(parts: parts)
            func older(_ time: Double) -> Bool { before.map { time < $0 } ?? true }
            if parts.contains(.deliveries) {
                var through = 0
                for index in state.deliveries.indices where state.deliveries[index].account == account {
                    let delivery = state.deliveries[index].delivery
                    through = delivery.id
                    guard delivery.state == .pending, older(delivery.created) else { continue }
                    state.deliveries[index].delivery.state = .cancelled
                    state.deliveries[index].delivery.nextAttempt = nil
                    state.deliveries[index].cancelledNow = true
                    counts.cancelled += 1
                }
                if counts.cancelled > 0 { counts.cancelledThrough = through }
                let before = state.deliveries.count
                state.deliveries.removeAll { entry in
                    entry.account == account && entry.delivery.state != .pending && !entry.cancelledNow && older(entry.delivery.created)
                }
                counts.deliveries = before - state.deliveries.count
                for index in state.deliveries.indices where state.deliveries[index].cancelledNow { state.deliveries[index].cancelledNow = false }
            }
            if parts.contains(.mails) {
                let before = state.mails.count
                state.mails.removeAll { $0.account == account && older($0.record.created) }
                counts.mails = before - state.mails.count
                state.sends[account] = state.sends[account]?.filter { !older($0.value.created) }
            }
            if parts.contains(.webhooks) {
                counts.webhooks = state.webhooks[account]?.count ?? 0
                state.webhooks[account] = nil
            }
            if parts.contains(.templates) {
                counts.templates = state.templates[account]?.count ?? 0
                state.templates[account] = nil
            }
            state.activity.forget(account: account, kinds: ResetPart.activityKinds(parts), before: before)
            return counts
        }
    }

    public func setAppKey(account: String, _ key: String) throws(WebhookError) {
        state.withLock { $0.appKeys[account] = key }
    }

    public func accountsWithSettings() throws(WebhookError) -> [String] {
        state.withLock { state in
            Set(state.webhooks.filter { !$0.value.isEmpty }.keys).union(state.templates.filter { !$0.value.isEmpty }.keys).sorted()
        }
    }

    public func prune(_ policy: RetentionPolicy, now: Double, limit: Int) throws(WebhookError) -> PruneCounts {
        state.withLock { state in
            var pruned = PruneCounts()
            if let maxAge = policy.maxAge {
                let cutoff = now - maxAge
                pruned.mails = Self.removeFirst(limit, from: &state.mails) { $0.record.created < cutoff }
                pruned.deliveries = Self.removeFirst(limit, from: &state.deliveries) { $0.delivery.state != .pending && $0.delivery.created < cutoff }
                state.activity.prune(before: cutoff, limit: limit)
            }
            let forgotten = now - RetentionPolicy.requestIDSeconds
            for account in state.sends.keys {
                let before = state.sends[account]!.count
                state.sends[account] = state.sends[account]!.filter { $0.value.created >= forgotten }
                pruned.requestIDs += before - state.sends[account]!.count
            }
            if let keep = policy.mailsPerAccount {
                var seen: [String: Int] = [:]
                var doomed: Set<Int> = []
                for entry in state.mails.reversed() {
                    seen[entry.account, default: 0] += 1
                    if seen[entry.account]! > keep, doomed.count < limit { doomed.insert(entry.record.id) }
                }
                state.mails.removeAll { doomed.contains($0.record.id) }
                pruned.mails += doomed.count
            }
            return pruned
        }
    }

    /// Removes the first `limit` elements that `doomed` says, keeping the order; how many.
    static func removeFirst<T>(_ limit: Int, from items: inout [T], where doomed: (T) -> Bool) -> Int {
        var removed = 0
        items.removeAll { item in
            guard removed < limit, doomed(item) else { return false }
            removed += 1
            return true
        }
        return removed
    }
}
