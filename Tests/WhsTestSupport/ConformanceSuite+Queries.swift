import WebhookCore
import WhsSupport

/// The searches of the mail and delivery logs (`GET /v1/mails?subject=&event=&before=`,
/// `GET /v1/deliveries?event=&before=&failing_first=`, what the inspector pages and filters
/// with): the same cases for the memory store, SQLite and PostgreSQL.
/// They are cases of the clearing suite's shape (a description and a body run on a
/// `ClearingStore`), kept apart in `queries`.
extension ClearingCase {
    static let open = EventType.named("open")!
    static let click = EventType.named("click")!

    public static let queries: [ClearingCase] = [
        .init("mails are searched by subject without case, by an event of their life, and paged back with before") { s in
            let ids = try sendMails(s, "a", [("Welcome aboard", [deliver, open]), ("Your INVOICE", [deliver]), ("welcome back", [deliver, open, click]),
                                             ("Bounced", [])])
            _ = try sendMails(s, "b", [("Welcome to b", [deliver, open])])
            try expectEqual(try s.store.mails(account: "a", MailQuery(subject: "WELCOME")).map(\.id), [ids[0], ids[2]])
            try expectEqual(try s.store.mails(account: "a", MailQuery(subject: "invoice")).map(\.id), [ids[1]])
            try expectEqual(try s.store.mails(account: "a", MailQuery(subject: "nothing like it")).map(\.id), [])
            try expectEqual(try s.store.mails(account: "a", MailQuery(event: open)).map(\.id), [ids[0], ids[2]])
            try expectEqual(try s.store.mails(account: "a", MailQuery(event: click)).map(\.id), [ids[2]])
            try expectEqual(try s.store.mails(account: "a", MailQuery(subject: "welcome", event: click)).map(\.id), [ids[2]])
            // Pages of two, newest first: the last page, then the one before its oldest id.
            let newest = try s.store.mails(account: "a", MailQuery(limit: 2))
            try expectEqual(newest.map(\.id), [ids[2], ids[3]])
            try expectEqual(try s.store.mails(account: "a", MailQuery(before: newest[0].id, limit: 2)).map(\.id), [ids[0], ids[1]])
            try expectEqual(try s.store.mails(account: "a", MailQuery(before: ids[0], limit: 2)).map(\.id), [])
            try expectEqual(try s.store.mails(account: "a", MailQuery(event: open, before: ids[2])).map(\.id), [ids[0]])
            // Another account's mails never match.
            try expectEqual(try s.store.mails(account: "b", MailQuery(subject: "welcome")).count, 1)
        },
        .init("deliveries are filtered by event, paged back with before, and failing ones come first on request") { s in
            let service = s.account("a")
            let hook = try service.add(try draft("https://a.example/1"))
            func made(_ event: EventType) throws -> Int {
                try s.store.insertDeliveries(account: "a", webhooks: [hook], event: event, messageID: "m", payload: Array("{}".utf8), at: 100)[0].id
            }
            let ok = try made(deliver), failed = try made(open), retrying = try made(deliver), fresh = try made(click), fine = try made(open)
            try s.store.recordAttempt(deliveryID: ok, DeliveryAttempt(number: 1, time: 101, status: 200, latencyMilliseconds: 1, error: nil),
                                      state: .succeeded, nextAttempt: nil)
            try s.store.recordAttempt(deliveryID: failed, DeliveryAttempt(number: 1, time: 101, status: 500, latencyMilliseconds: 1, error: "HTTP 500"),
                                      state: .failed, nextAttempt: nil)
            try s.store.recordAttempt(deliveryID: retrying, DeliveryAttempt(number: 1, time: 101, status: 503, latencyMilliseconds: 1, error: "HTTP 503"),
                                      state: .pending, nextAttempt: 130)
            try s.store.recordAttempt(deliveryID: fine, DeliveryAttempt(number: 1, time: 101, status: 204, latencyMilliseconds: 1, error: nil),
                                      state: .succeeded, nextAttempt: nil)
            try expectEqual(try s.store.deliveries(account: "a", DeliveryQuery(event: open)).map(\.id), [failed, fine])
            try expectEqual(try s.store.deliveries(account: "a", DeliveryQuery(state: .pending, event: deliver)).map(\.id), [retrying])
            try expectEqual(try s.store.deliveries(account: "a", DeliveryQuery(before: retrying)).map(\.id), [ok, failed])
            try expectEqual(try s.store.deliveries(account: "a", DeliveryQuery()).map(\.id), [ok, failed, retrying, fresh, fine])
            let failingFirst = try s.store.deliveries(account: "a", DeliveryQuery(failingFirst: true))
            try expectEqual(failingFirst.map(\.id), [failed, retrying, ok, fresh, fine])
            try expectEqual(failingFirst[1].attempts.map(\.status), [503])
            // The limit takes the failing ones first, then the newest of the rest.
            try expectEqual(try s.store.deliveries(account: "a", DeliveryQuery(failingFirst: true, limit: 3)).map(\.id), [failed, retrying, fine])
            try expectEqual(try s.store.deliveries(account: "a", DeliveryQuery(failingFirst: true, limit: 1)).map(\.id), [retrying])
            try expectEqual(try s.store.deliveries(account: "b", DeliveryQuery(failingFirst: true)).map(\.id), [])
        },
    ]

    /// One send per mail, each with its subject and the events of its life (no pushes); the
    /// mails' ids in order.
    static func sendMails(_ s: ClearingStore, _ account: String, _ mails: [(String, [EventType])]) throws -> [Int] {
        for (index, (subject, events)) in mails.enumerated() {
            let time = Double(1000 + index)
            let messageID = "q-\(account)-\(index)"
            let planned = events.enumerated().map { step, event in
                var planned = PlannedEvent(event: event, time: time + Double(step), detail: .object([]), payload: Array("{}".utf8), webhooks: [])
                planned.step = step
                return planned
            }
            let mail = PlannedMail(header: MailHeader(messageID: messageID, emailID: "\(messageID)$r@example.com", taskID: 1, apiUser: "",
                                                      from: "s@example.com", to: "r@example.com", address: "r@example.com", subject: subject,
                                                      customArgs: .object([]), labelID: nil, labelName: nil, template: nil),
                                   html: "", text: "t", events: planned)
            _ = try s.store.recordSend(PlannedSend(account: account, apiUser: "", requestID: nil, answer: .object([]), mails: [mail], created: time),
                                       repeatsSince: 0)
        }
        return try s.store.mails(account: account, MailQuery()).map(\.id)
    }
}
