import CSQLite
import WebhookCore

/// The delivery log in SQLite (schema step 3).
extension SQLiteStore: DeliveryStore {
    final class DeliveryStatements {
        let makeAccount, appKey, replaceAppKey, insertBody, insert, copy, insertAttempt, updateState, outgoing, select, selectByMessage, selectFailingFirst, selectOne, attempts, pending: SQLiteStatement
        /// `insertRows` deliveries in one statement, prepared when a fan-out first has that many.
        var insertMany: SQLiteStatement?
        /// Rows of `insertMany`: a fan-out of 1,000 is ten statements instead of 1,000, which
        /// spares SQLite a statement's start and end (AUTOINCREMENT's counter read and
        /// written back) per row.
        static let insertRows = 100

        /// `INSERT ... VALUES (...), (...)` of `insertRows` rows: ?1 account, ?2 event, ?3
        /// message id, ?4 body, ?5 time, then each row's webhook id and URL.
        static var insertManySQL: String {
            let rows = (0..<insertRows).map { row in "(?1, ?\(6 + 2 * row), ?\(7 + 2 * row), ?2, ?3, x'', ?4, 'pending', ?5, ?5)" }
            return "INSERT INTO deliveries(account, webhook_id, url, event, message_id, payload, body_id, state, next_attempt, created) VALUES "
                + rows.joined(separator: ", ")
        }

        init(_ c: SQLiteConnection) throws(WebhookError) {
            makeAccount = try c.prepare("INSERT OR IGNORE INTO accounts(name, app_key) VALUES (?1, ?2)")
            appKey = try c.prepare("SELECT app_key FROM accounts WHERE name = ?1")
            replaceAppKey = try c.prepare("UPDATE accounts SET app_key = ?2 WHERE name = ?1")
            // A fan-out's body is written once (schema step 8); its deliveries name it.
            insertBody = try c.prepare("INSERT INTO delivery_bodies(payload) VALUES (?1)")
            insert = try c.prepare("""
                INSERT INTO deliveries(account, webhook_id, url, event, message_id, payload, body_id, state, next_attempt, created)
                VALUES (?1, ?2, ?3, ?4, ?5, x'', ?6, 'pending', ?7, ?7)
                """)
            copy = try c.prepare("""
                INSERT INTO deliveries(account, webhook_id, url, event, message_id, payload, body_id, state, next_attempt, created, mail_id)
                SELECT account, webhook_id, url, event, message_id, payload, body_id, 'pending', ?3, ?3, mail_id FROM deliveries
                WHERE account = ?1 AND id = ?2
                """)
            insertAttempt = try c.prepare("""
                INSERT INTO delivery_attempts(delivery_id, number, time, status, latency_ms, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                """)
            // A cancelled delivery stays cancelled: an attempt that was under way when a reset
            // cancelled it is logged, and leads to nothing more.
            updateState = try c.prepare("""
                UPDATE deliveries SET state = ?2, attempts = ?3, next_attempt = ?4 WHERE id = ?1 AND state <> 'cancelled'
                """)
            // The body inline (a send's, or from before step 8) or in `delivery_bodies`.
            outgoing = try c.prepare("""
                SELECT d.account, d.url, coalesce(b.payload, d.payload), d.attempts, d.state, d.fault
                FROM deliveries d LEFT JOIN delivery_bodies b ON b.id = d.body_id WHERE d.id = ?1
                """)
            let filtered = """
                SELECT id, webhook_id, url, event, message_id, state, next_attempt, created, fault FROM deliveries
                WHERE account = ?1 AND (?2 IS NULL OR webhook_id = ?2) AND (?3 IS NULL OR state = ?3)
                  AND (?4 IS NULL OR message_id = ?4) AND (?6 IS NULL OR event = ?6) AND (?7 IS NULL OR id < ?7)
                """
            select = try c.prepare("\(filtered) ORDER BY id DESC LIMIT ?5")
            // One message's deliveries (a wait's read, `message_id=`): a statement of its own,
            // since the planner cannot use `deliveries_by_message` for `?4 IS NULL OR
            // message_id = ?4` and read every delivery of the account instead, a fan-out's
            // wait more with each fan-out before it (docs/PERFORMANCE.md, "SQLite fan-out").
            selectByMessage = try c.prepare("""
                SELECT id, webhook_id, url, event, message_id, state, next_attempt, created, fault FROM deliveries
                WHERE account = ?1 AND message_id = ?4 AND (?2 IS NULL OR webhook_id = ?2) AND (?3 IS NULL OR state = ?3)
                  AND (?6 IS NULL OR event = ?6) AND (?7 IS NULL OR id < ?7)
                ORDER BY id DESC LIMIT ?5
                """)
            // Failing first (`failing_first=true`): a statement of its own, so that the usual
            // one keeps ordering by the index alone.
            selectFailingFirst = try c.prepare("""
                \(filtered) ORDER BY CASE WHEN state = 'failed' OR (state = 'pending' AND attempts > 0) THEN 0 ELSE 1 END, id DESC LIMIT ?5
                """)
            selectOne = try c.prepare("SELECT id, webhook_id, url, event, message_id, state, next_attempt, created, fault FROM deliveries WHERE id = ?1")
            attempts = try c.prepare("""
                SELECT delivery_id, number, time, status, latency_ms, error FROM delivery_attempts
                WHERE delivery_id BETWEEN ?1 AND ?2 ORDER BY delivery_id, number
                """)
            pending = try c.prepare("SELECT id, next_attempt, after_id, attempts FROM deliveries WHERE state = 'pending' ORDER BY next_attempt, id")
        }
    }

    /// The statements, prepared on first use. Called under the lock.
    func deliveryStatements() throws(WebhookError) -> DeliveryStatements {
        if let prepared = deliveryStatementsIfPrepared { return prepared }
        let prepared = try DeliveryStatements(connection)
        deliveryStatementsIfPrepared = prepared
        return prepared
    }

    /// Writes an event's body once into `delivery_bodies` (schema step 8) and returns its id,
    /// which its deliveries name: a fan-out's and each event of a sent mail. Inside a
    /// transaction, under the lock.
    func insertBody(_ payload: [UInt8]) throws(WebhookError) -> Int {
        let insert = try deliveryStatements().insertBody
        _ = insert.reset()
        insert.bindBlob(payload, at: 1)
        try insert.run()
        return connection.lastInsertRowID
    }

    /// Runs `body` in a write transaction, under the lock, perhaps committed together with
    /// other threads' writes (`grouped`, SQLiteGroupCommit.swift); all or none of its writes.
    func transaction<T>(_ body: (DeliveryStatements) throws(WebhookError) -> T) throws(WebhookError) -> T {
        try grouped { () throws(WebhookError) -> T in try body(try deliveryStatements()) }
    }

    public func appKey(account: String) throws(WebhookError) -> String {
        try withLock { () throws(WebhookError) -> String in
            let s = try deliveryStatements()
            let seal = try appKeySeal()
            if let stored = try s.appKey.bind(.text(account)).single({ $0.text(0) }) {
                if let key = try seal.open(stored, account: account) { return key }
                // Kept in clear by a whs from before sealing; nobody was ever shown it, so a
                // new, sealed key replaces it.
                let key = KeyHash.newAppKey()
                try s.replaceAppKey.bind(.text(account), .text(try seal.seal(key))).run()
                return key
            }
            // Another process may make the account at the same moment: read back whichever won.
            try s.makeAccount.bind(.text(account), .text(try seal.seal(KeyHash.newAppKey()))).run()
            guard let stored = try s.appKey.bind(.text(account)).single({ $0.text(0) }),
                  let key = try seal.open(stored, account: account) else {
                throw .storage("account \(account) has no app key")
            }
            return key
        }
    }

    /// On a read connection when the store's own is busy (`reading`): a send looks its
    /// subscribers up while pushes are being logged.
    public func subscribers(account: String, events: EventSet) throws(WebhookError) -> [Webhook] {
        try reading { reader throws(WebhookError) -> [Webhook] in
            let rows = try reader.statements().subscribers.bind(.text(account), .integer(events.mask))
            var found: [Webhook] = []
            while try rows.step() {
                found.append(Webhook(id: rows.int(0), url: rows.text(1), events: EventSet(mask: rows.int(2)), apiUser: rows.text(3)))
            }
            return found
        }
    }

    public func insertDeliveries(account: String, webhooks: [Webhook], event: EventType, messageID: String,
                                 payload: [UInt8], at time: Double) throws(WebhookError) -> [Delivery] {
        try transaction { s throws(WebhookError) -> [Delivery] in
            var made: [Delivery] = []
            guard !webhooks.isEmpty else { return made }
            made.reserveCapacity(webhooks.count)
            let body = try insertBody(payload)
            var start = 0
            while webhooks.count - start >= DeliveryStatements.insertRows {
                let rows = webhooks[start..<(start + DeliveryStatements.insertRows)]
                let many: SQLiteStatement
                if let prepared = s.insertMany { many = prepared } else {
                    many = try connection.prepare(DeliveryStatements.insertManySQL)
                    s.insertMany = many
                }
                many.bind(.text(account), .integer(event.code), .text(messageID), .integer(body), .real(time))
                for (offset, webhook) in rows.enumerated() {
                    many.bind(.integer(webhook.id), at: Int32(6 + 2 * offset))
                    many.bind(.text(webhook.url), at: Int32(7 + 2 * offset))
                }
                try many.run()
                guard connection.changes == rows.count else { throw .storage("a fan-out's insert wrote \(connection.changes) of \(rows.count) rows") }
                // One statement's rows take consecutive ids in their order (AUTOINCREMENT,
                // under the transaction's write lock): the last is the statement's rowid.
                let first = connection.lastInsertRowID - rows.count + 1
                for (offset, webhook) in rows.enumerated() {
                    made.append(Delivery(id: first + offset, webhookID: webhook.id, url: webhook.url, event: event,
                                         messageID: messageID, state: .pending, attempts: [], nextAttempt: time, created: time))
                }
                start += rows.count
            }
            for webhook in webhooks[start...] {
                s.insert.bind(.text(account), .integer(webhook.id), .text(webhook.url), .integer(event.code), .text(messageID))
                s.insert.bind(.integer(body), at: 6)
                s.insert.bind(.real(time), at: 7)
                try s.insert.run()
                made.append(Delivery(id: connection.lastInsertRowID, webhookID: webhook.id, url: webhook.url, event: event,
                                     messageID: messageID, state: .pending, attempts: [], nextAttempt: time, created: time))
            }
            return made
        }
    }

    public func copyDelivery(account: String, id: Int, at time: Double) throws(WebhookError) -> Delivery {
        try transaction { s throws(WebhookError) -> Delivery in
            try s.copy.bind(.text(account), .integer(id), .real(time)).run()
            guard connection.changes == 1,
                  let made = try s.selectOne.bind(.integer(connection.lastInsertRowID)).single(delivery(from:)) else {
                throw .deliveryNotFound(id: id)
            }
            return made
        }
    }

    public func recordAttempts(_ records: [AttemptRecord]) throws(WebhookError) {
        try transaction { s throws(WebhookError) in
            for record in records {
                let attempt = record.attempt
                s.insertAttempt.bind(.integer(record.deliveryID), .integer(attempt.number), .real(attempt.time),
                                     attempt.status.map { .integer($0) } ?? .null, .real(attempt.latencyMilliseconds))
                s.insertAttempt.bind(attempt.error.map { .text($0) } ?? .null, at: 6)
                try s.insertAttempt.run()
                try s.updateState.bind(.integer(record.deliveryID), .text(record.state.rawValue), .integer(attempt.number),
                                       record.nextAttempt.map { .real($0) } ?? .null).run()
            }
        }
    }

    public func outgoing(deliveryID: Int) throws(WebhookError) -> OutgoingDelivery? {
        try withLock { () throws(WebhookError) -> OutgoingDelivery? in
            try deliveryStatements().outgoing.bind(.integer(deliveryID)).single { row in
                OutgoingDelivery(account: row.text(0), url: row.text(1), payload: row.blob(2), attemptsMade: row.int(3),
                                 state: DeliveryState(rawValue: row.text(4)) ?? .failed,
                                 fault: row.isNull(5) ? nil : DeliveryFault(rawValue: row.text(5)))
            }
        }
    }

    public func deliveries(account: String, _ query: DeliveryQuery) throws(WebhookError) -> [Delivery] {
        try withLock { () throws(WebhookError) -> [Delivery] in
            let s = try deliveryStatements()
            var found: [Delivery] = []
            let rows = (query.failingFirst ? s.selectFailingFirst : query.messageID != nil ? s.selectByMessage : s.select).bind(
                .text(account), query.webhookID.map { .integer($0) } ?? .null, query.state.map { .text($0.rawValue) } ?? .null,
                query.messageID.map { .text($0) } ?? .null, .integer(query.limit))
            rows.bind(query.event.map { .integer($0.code) } ?? .null, at: 6)
            rows.bind(query.before.map { .integer($0) } ?? .null, at: 7)
            while try rows.step() { found.append(delivery(from: rows)) }
            found.reverse()
            guard let first = found.map(\.id).min(), let last = found.map(\.id).max() else { return [] }
            var positions: [Int: Int] = [:]
            for (position, delivery) in found.enumerated() { positions[delivery.id] = position }
            let attempts = s.attempts.bind(.integer(first), .integer(last))
            while try attempts.step() {
                guard let position = positions[attempts.int(0)] else { continue }
                found[position].attempts.append(DeliveryAttempt(
                    number: attempts.int(1), time: attempts.double(2), status: attempts.isNull(3) ? nil : attempts.int(3),
                    latencyMilliseconds: attempts.double(4), error: attempts.isNull(5) ? nil : attempts.text(5)))
            }
            return query.failingFirst ? query.arranged(newestFirst: found.reversed()) : found
        }
    }

    public func pendingDeliveries() throws(WebhookError) -> [PendingDelivery] {
        try withLock { () throws(WebhookError) -> [PendingDelivery] in
            let rows = try deliveryStatements().pending.reset()
            var found: [PendingDelivery] = []
            while try rows.step() {
                found.append(PendingDelivery(id: rows.int(0), due: rows.double(1), after: rows.isNull(2) ? nil : rows.int(2), attemptsMade: rows.int(3)))
            }
            return found
        }
    }

    func delivery(from row: SQLiteStatement) -> Delivery {
        Delivery(id: row.int(0), webhookID: row.int(1), url: row.text(2), event: EventType.withCode(row.int(3)) ?? EventType.all[0],
                 messageID: row.text(4), state: DeliveryState(rawValue: row.text(5)) ?? .failed, attempts: [],
                 nextAttempt: row.isNull(6) ? nil : row.double(6), created: row.double(7),
                 fault: row.isNull(8) ? nil : DeliveryFault(rawValue: row.text(8)))
    }
}

extension SQLiteStatement {
    /// The one row a lookup returns, read by `read`; nil when there is none.
    func single<T>(_ read: (SQLiteStatement) -> T) throws(WebhookError) -> T? {
        guard try step() else { return nil }
        let value = read(self)
        _ = try step()
        return value
    }
}
