import WebhookCore
import WhsSupport

/// A fresh store as the clearing cases need it: its logs and templates, the clearing itself,
/// and the webhooks of any account.
public struct ClearingStore {
    public let store: any DeliveryStore & MailStore & DataClearing
    public let account: (String) -> WebhookService

    public init(store: any DeliveryStore & MailStore & DataClearing, account: @escaping (String) -> WebhookService) {
        self.store = store
        self.account = account
    }
}

/// The rules of reset, deletes and retention (docs/OPERATIONS.md) that every store follows:
/// the same cases for the memory store, SQLite and PostgreSQL.
public struct ClearingCase: Sendable, CustomStringConvertible {
    public let description: String
    let body: @Sendable (ClearingStore) throws -> Void

    public func run(_ store: ClearingStore) throws { try body(store) }

    init(_ description: String, _ body: @escaping @Sendable (ClearingStore) throws -> Void) {
        self.description = description
        self.body = body
    }

    static let deliver = EventType.named("deliver")!

    public static let all: [ClearingCase] = [
        .init("a reset empties every part of the account and leaves another account whole") { s in
            let mine = try Seeded(s, "a", at: 100)
            let theirs = try Seeded(s, "b", at: 100)
            let cleared = try s.store.clear(account: "a", Set(ResetPart.allCases), before: nil)
            try expectEqual(cleared.parts, ResetPart.allCases)
            try expectEqual([cleared.mails, cleared.deliveries, cleared.cancelled, cleared.webhooks, cleared.templates], [2, 2, 1, 2, 1])
            try expectEqual(try s.account("a").list(WebhookQuery()).total, 0)
            try expectEqual(try s.store.templates(account: "a").count, 0)
            try expectEqual(try s.store.mails(account: "a", MailQuery()).count, 0)
            // What is left of the log is the cancelled delivery, and nothing pending.
            try expectEqual(try s.store.deliveries(account: "a", DeliveryQuery()).map(\.state), [.cancelled])
            try expectEqual(try s.store.deliveries(account: "a", DeliveryQuery(state: .cancelled)).map(\.id), [mine.pending])
            // The other account has everything it had.
            try expectEqual(try s.account("b").list(WebhookQuery()).total, 2)
            try expectEqual(try s.store.templates(account: "b").map(\.name), ["welcome"])
            try expectEqual(try s.store.mails(account: "b", MailQuery()).count, 2)
            try expectEqual(try s.store.deliveries(account: "b", DeliveryQuery()).map(\.id), theirs.deliveries)
            try expectEqual(try s.store.pendingDeliveries().map(\.id), [theirs.pending])
        },
        .init("a cancelled delivery is not resumed, and an attempt that ends after the cancel leaves it cancelled") { s in
            let mine = try Seeded(s, "a", at: 100)
            let cleared = try s.store.clear(account: "a", [.deliveries], before: nil)
            try expect((cleared.cancelledThrough ?? 0) >= mine.pending, "cancelledThrough \(String(describing: cleared.cancelledThrough)) is below \(mine.pending)")
            try expectEqual(try s.store.pendingDeliveries().map(\.id), [])
            try expectEqual(try s.store.outgoing(deliveryID: mine.pending)?.state, .cancelled)
            // The push that was under way: logged, and nothing more comes of it.
            try s.store.recordAttempt(deliveryID: mine.pending, DeliveryAttempt(number: 1, time: 101, status: 500, latencyMilliseconds: 1, error: "HTTP 500"),
                                      state: .pending, nextAttempt: 130)
            let after = try s.store.deliveries(account: "a", DeliveryQuery(state: .cancelled))
            try expectEqual(after.map(\.id), [mine.pending])
            try expectEqual(after[0].attempts.count, 1)
            try expectEqual(after[0].nextAttempt, nil)
            try expectEqual(try s.store.pendingDeliveries().map(\.id), [])
        },
        .init("a second reset deletes the deliveries the first cancelled") { s in
            _ = try Seeded(s, "a", at: 100)
            _ = try s.store.clear(account: "a", [.deliveries], before: nil)
            let second = try s.store.clear(account: "a", [.deliveries], before: nil)
            try expectEqual([second.deliveries, second.cancelled], [1, 0])
            try expectEqual(second.cancelledThrough, nil)
            try expectEqual(try s.store.deliveries(account: "a", DeliveryQuery()).count, 0)
        },
        .init("named parts are emptied and the others left") { s in
            _ = try Seeded(s, "a", at: 100)
            let cleared = try s.store.clear(account: "a", [.webhooks, .templates], before: nil)
            try expectEqual(cleared.parts, [.webhooks, .templates])
            try expectEqual([cleared.webhooks, cleared.templates], [2, 1])
            try expectEqual(cleared.json.text, #"{"webhooks":2,"templates":1}"#)
            try expectEqual(try s.store.mails(account: "a", MailQuery()).count, 2)
            try expectEqual(try s.store.deliveries(account: "a", DeliveryQuery()).count, 3)
            try expectEqual(try s.store.pendingDeliveries().count, 1)
        },
        .init("before= takes only the older mails and deliveries") { s in
            let old = try Seeded(s, "a", at: 100)
            let new = try Seeded(s, "a", at: 1000, suffix: "-new")
            let cleared = try s.store.clear(account: "a", [.mails, .deliveries], before: 500)
            try expectEqual([cleared.mails, cleared.deliveries, cleared.cancelled], [2, 2, 1])
            try expectEqual(try s.store.mails(account: "a", MailQuery()).map(\.created), [1000, 1000])
            let left = try s.store.deliveries(account: "a", DeliveryQuery())
            try expectEqual(left.map(\.id), [old.pending] + new.deliveries)
            try expectEqual(left.map(\.state), [.cancelled, .succeeded, .failed, .pending])
            try expectEqual(try s.store.pendingDeliveries().map(\.id), [new.pending])
        },
        .init("before= with webhooks or templates is refused and deletes nothing") { s in
            _ = try Seeded(s, "a", at: 100)
            try expectError(.invalidParameter("before applies to mails and deliveries, not webhooks")) {
                _ = try s.store.clear(account: "a", [.mails, .webhooks], before: 500)
            }
            try expectEqual(try s.store.mails(account: "a", MailQuery()).count, 2)
            try expectEqual(try s.account("a").list(WebhookQuery()).total, 2)
        },
        .init("a reset of mails forgets the account's request ids, so the same id sends again") { s in
            _ = try s.store.recordSend(plannedSend("a", at: 100, requestID: "r-1"), repeatsSince: 0)
            _ = try s.store.clear(account: "a", [.mails], before: nil)
            guard case .sent = try s.store.recordSend(plannedSend("a", at: 101, requestID: "r-1"), repeatsSince: 0) else {
                throw ConformanceFailure("the request id was remembered after a reset of mails")
            }
        },
        .init("ids are never used again after a reset") { s in
            let mine = try Seeded(s, "a", at: 100)
            _ = try s.store.clear(account: "a", Set(ResetPart.allCases), before: nil)
            let again = try Seeded(s, "a", at: 200, suffix: "-again")
            try expect(again.webhooks.min()! > mine.webhooks.max()!, "a webhook id was reused: \(again.webhooks) after \(mine.webhooks)")
            try expect(again.deliveries.min()! > mine.deliveries.max()!, "a delivery id was reused: \(again.deliveries) after \(mine.deliveries)")
            try expect(again.mails.min()! > mine.mails.max()!, "a mail id was reused: \(again.mails) after \(mine.mails)")
            try expectEqual(try s.store.mail(account: "a", id: again.mails[0])?.header.subject, "Hi-again")
            try expectEqual(try s.store.outgoing(deliveryID: again.pending)?.state, .pending)
        },
        .init("a prune goes in batches: old mails and settled deliveries, never pending ones, of every account") { s in
            let a = try Seeded(s, "a", at: 100)
            let b = try Seeded(s, "b", at: 100)
            let recent = try Seeded(s, "a", at: 10_000, suffix: "-recent")
            let policy = RetentionPolicy(maxAge: 1000)
            var batches = 0
            var total = PruneCounts()
            while true {
                let pruned = try s.store.prune(policy, now: 10_500, limit: 1)
                if pruned.total == 0 { break }
                try expect(pruned.mails <= 1 && pruned.deliveries <= 1, "a batch of limit 1 deleted \(pruned)")
                total.add(pruned)
                batches += 1
            }
            try expectEqual([total.mails, total.deliveries], [4, 4])
            try expect(batches >= 4, "\(batches) batches for 4 rows of each kind at 1 a batch")
            try expectEqual(try s.store.mails(account: "a", MailQuery()).map(\.id), recent.mails)
            try expectEqual(try s.store.deliveries(account: "a", DeliveryQuery()).map(\.id), [a.pending] + recent.deliveries)
            try expectEqual(try s.store.deliveries(account: "b", DeliveryQuery()).map(\.id), [b.pending])
            try expectEqual(try s.account("a").list(WebhookQuery()).total, 4)
        },
        .init("a prune keeps each account's newest mails, as many as asked") { s in
            _ = try Seeded(s, "a", at: 100)
            let newest = try Seeded(s, "a", at: 200, suffix: "-2")
            let b = try Seeded(s, "b", at: 100)
            var total = PruneCounts()
            while true {
                let pruned = try s.store.prune(RetentionPolicy(mailsPerAccount: 2), now: 300, limit: 1)
                if pruned.total == 0 { break }
                total.add(pruned)
            }
            try expectEqual(total.mails, 2)
            try expectEqual(try s.store.mails(account: "a", MailQuery()).map(\.id), newest.mails)
            try expectEqual(try s.store.mails(account: "b", MailQuery()).map(\.id), b.mails)
        },
        .init("a prune forgets request ids past their hour") { s in
            _ = try s.store.recordSend(plannedSend("a", at: 100, requestID: "r-1"), repeatsSince: 0)
            _ = try s.store.recordSend(plannedSend("a", at: 100 + 3600, requestID: "r-2"), repeatsSince: 0)
            let pruned = try s.store.prune(RetentionPolicy(maxAge: 1_000_000), now: 100 + 3601, limit: 10)
            try expectEqual(pruned.requestIDs, 1)
            guard case .sent = try s.store.recordSend(plannedSend("a", at: 5000, requestID: "r-1"), repeatsSince: 0),
                  case .repeated = try s.store.recordSend(plannedSend("a", at: 5000, requestID: "r-2"), repeatsSince: 0) else {
                throw ConformanceFailure("the prune forgot the wrong request id")
            }
        },
        .init("an app key can be given, and the accounts with settings are listed") { s in
            let key = String(repeating: "ab", count: 32)
            try s.store.setAppKey(account: "given", key)
            try expectEqual(try s.store.appKey(account: "given"), key)
            let made = try s.store.appKey(account: "made")
            try s.store.setAppKey(account: "made", key)
            try expect(made != key, "a made key equals the given one")
            try expectEqual(try s.store.appKey(account: "made"), key)
            _ = try s.account("w").add(try draft("https://w.example/"))
            _ = try s.store.putTemplate(account: "t", MailTemplate(name: "x", subject: "s", html: "h", text: "", created: 1, updated: 1))
            try expectEqual(try s.store.accountsWithSettings(), ["t", "w"])
        },
    ]
}

/// One account's worth of everything: two webhooks, a template, a send of two mails, and three
/// deliveries (succeeded, failed, pending), all at `time`.
struct Seeded {
    var webhooks: [Int] = []
    var mails: [Int] = []
    /// The settled ones, then the pending one.
    var deliveries: [Int] = []
    var pending = 0

    init(_ s: ClearingStore, _ account: String, at time: Double, suffix: String = "") throws {
        let service = s.account(account)
        let one = try service.add(try draft("https://\(account).example/1\(suffix)"))
        let two = try service.add(try draft("https://\(account).example/2\(suffix)"))
        webhooks = [one.id, two.id]
        _ = try s.store.putTemplate(account: account, MailTemplate(name: "welcome", subject: "Hi", html: "<p>x</p>", text: "", created: time, updated: time))
        _ = try s.store.recordSend(plannedSend(account, at: time, subject: "Hi\(suffix)", recipients: 2), repeatsSince: 0)
        mails = try s.store.mails(account: account, MailQuery()).filter { $0.created == time && $0.header.subject == "Hi\(suffix)" }.map(\.id)
        // Two calls: a store may map one call's deliveries by webhook.
        let made = try s.store.insertDeliveries(account: account, webhooks: [one, two], event: ClearingCase.deliver, messageID: "m-\(account)\(suffix)",
                                                payload: Array("{}".utf8), at: time)
            + s.store.insertDeliveries(account: account, webhooks: [one], event: ClearingCase.deliver, messageID: "m-\(account)\(suffix)",
                                       payload: Array("{}".utf8), at: time)
        try s.store.recordAttempt(deliveryID: made[0].id, DeliveryAttempt(number: 1, time: time, status: 200, latencyMilliseconds: 1, error: nil),
                                  state: .succeeded, nextAttempt: nil)
        try s.store.recordAttempt(deliveryID: made[1].id, DeliveryAttempt(number: 1, time: time, status: 500, latencyMilliseconds: 1, error: "HTTP 500"),
                                  state: .failed, nextAttempt: nil)
        deliveries = made.map(\.id)
        pending = made[2].id
    }
}

/// A send of `recipients` mails with no pushes.
func plannedSend(_ account: String, at time: Double, subject: String = "Hi", recipients: Int = 1, requestID: String? = nil) -> PlannedSend {
    let messageID = "m-\(account)-\(Int(time))-\(subject)"
    let mails = (0..<recipients).map { index in
        PlannedMail(header: MailHeader(messageID: messageID, emailID: "\(messageID)\(index)$r\(index)@example.com", taskID: 1, apiUser: "",
                                       from: "s@example.com", to: "r\(index)@example.com", address: "r\(index)@example.com", subject: subject,
                                       customArgs: .object([]), labelID: nil, labelName: nil, template: nil),
                    html: "", text: "t", events: [])
    }
    return PlannedSend(account: account, apiUser: "", requestID: requestID, answer: .object([("email_ids", .array([]))]), mails: mails, created: time)
}
