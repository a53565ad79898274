import WebhookCore

/// The store's schema as numbered migrations. `PRAGMA user_version` records how many have run;
/// a store opened by a newer whs than the one that made it gains the missing steps, in one
/// transaction each, so a crash mid-migration leaves the previous version intact.
enum Schema {
    static let migrations: [String] = [
        // 1: webhooks. AUTOINCREMENT so that an id is never reused, even after the highest one
        // is deleted. `events` is a bit set over EventType.all. The indexes keep every query
        // inside one account (and one API_USER), so its cost does not grow with other data.
        """
        CREATE TABLE webhooks (
            id       INTEGER PRIMARY KEY AUTOINCREMENT,
            account  TEXT NOT NULL,
            api_user TEXT NOT NULL,
            url      TEXT NOT NULL,
            events   INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX webhooks_by_owner_url ON webhooks(account, api_user, url);
        CREATE INDEX webhooks_by_account ON webhooks(account, id);
        CREATE INDEX webhooks_by_api_user ON webhooks(account, api_user, id);
        """,
        // 2: a server's accounts and API_USERs. Keys are kept as a salted SHA-256, never as
        // given; each account has an app key that signs its event pushes.
        """
        CREATE TABLE accounts (
            name    TEXT PRIMARY KEY,
            app_key TEXT NOT NULL
        );
        CREATE TABLE api_users (
            name     TEXT PRIMARY KEY,
            account  TEXT NOT NULL REFERENCES accounts(name),
            key_salt BLOB NOT NULL,
            key_hash BLOB NOT NULL
        );
        CREATE INDEX api_users_by_account ON api_users(account);
        """,
        // 3: a page of one API_USER's webhooks is read from the index alone (it covers every
        // column a page shows), instead of one table page per webhook: on a large store an
        // API_USER's webhooks lie far apart in the table (bench/query). And the delivery log. A delivery is one event pushed to one webhook, with the body as
        // sent (retries send the same bytes); `next_attempt` is set while it is pending, so a
        // restarted dispatcher finds what is left to do. Attempts are rows of their own.
        """
        DROP INDEX webhooks_by_api_user;
        CREATE INDEX webhooks_by_api_user ON webhooks(account, api_user, id, events, url);
        CREATE TABLE deliveries (
            id           INTEGER PRIMARY KEY AUTOINCREMENT,
            account      TEXT NOT NULL,
            webhook_id   INTEGER NOT NULL,
            url          TEXT NOT NULL,
            event        INTEGER NOT NULL,
            message_id   TEXT NOT NULL,
            payload      BLOB NOT NULL,
            state        TEXT NOT NULL,
            attempts     INTEGER NOT NULL DEFAULT 0,
            next_attempt REAL,
            created      REAL NOT NULL
        );
        CREATE INDEX deliveries_by_account ON deliveries(account, id);
        CREATE INDEX deliveries_by_message ON deliveries(account, message_id, id);
        CREATE INDEX deliveries_pending ON deliveries(next_attempt) WHERE state = 'pending';
        CREATE TABLE delivery_attempts (
            delivery_id INTEGER NOT NULL,
            number      INTEGER NOT NULL,
            time        REAL NOT NULL,
            status      INTEGER,
            latency_ms  REAL NOT NULL,
            error       TEXT,
            PRIMARY KEY (delivery_id, number)
        ) WITHOUT ROWID;
        """,
        // 4: the sending side (docs/SENDING.md). A mail is one recipient's copy of a send, with
        // its events as a JSON array of [code, time, detail] in its row (one insert for a
        // recipient instead of one per event: a send's cost is its writes). The deliveries an
        // event causes name their mail (found through the send's message id, whose index
        // exists), and the delivery before them in the mail's chain to the same webhook
        // (`after_id`), so that a restart keeps a mail's pushes in order. `sends` remembers
        // request ids for an hour's de-duplication.
        """
        ALTER TABLE deliveries ADD COLUMN mail_id INTEGER;
        ALTER TABLE deliveries ADD COLUMN after_id INTEGER;
        CREATE TABLE sends (
            account    TEXT NOT NULL,
            request_id TEXT NOT NULL,
            answer     TEXT NOT NULL,
            created    REAL NOT NULL,
            PRIMARY KEY (account, request_id)
        ) WITHOUT ROWID;
        CREATE TABLE mails (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            account     TEXT NOT NULL,
            message_id  TEXT NOT NULL,
            email_id    TEXT NOT NULL,
            task_id     INTEGER NOT NULL,
            api_user    TEXT NOT NULL,
            sender      TEXT NOT NULL,
            recipient   TEXT NOT NULL,
            address     TEXT NOT NULL,
            subject     TEXT NOT NULL,
            html        TEXT NOT NULL,
            text        TEXT NOT NULL,
            custom_args TEXT NOT NULL,
            label_id    INTEGER,
            label_name  TEXT,
            template    TEXT,
            created     REAL NOT NULL,
            events      TEXT NOT NULL
        );
        CREATE INDEX mails_by_account ON mails(account, id);
        CREATE UNIQUE INDEX mails_by_email_id ON mails(account, email_id);
        CREATE TABLE templates (
            account TEXT NOT NULL,
            name    TEXT NOT NULL,
            subject TEXT NOT NULL,
            html    TEXT NOT NULL,
            text    TEXT NOT NULL,
            created REAL NOT NULL,
            updated REAL NOT NULL,
            PRIMARY KEY (account, name)
        ) WITHOUT ROWID;
        """,
        // 5 (fidelity): a calendar invitation or MIME source a mail was sent with, as JSON
        // (`{"calendar": {...}}`, `{"mime": "..."}`; empty for an ordinary mail), and the
        // fault injected into a delivery (`duplicate`, `reorder`, `late`, `badsig`; NULL for none).
        """
        ALTER TABLE mails ADD COLUMN extra TEXT NOT NULL DEFAULT '';
        ALTER TABLE deliveries ADD COLUMN fault TEXT;
        """,
        // 6 (operations): both logs by time, so that retention (`whs serve --retain`) finds
        // the oldest rows of every account in order, a batch at a time, without reading the
        // tables through. A delivery may now also be `cancelled` (by a reset); `state` is text,
        // so that needs no change here.
        """
        CREATE INDEX mails_by_created ON mails(created);
        CREATE INDEX deliveries_by_created ON deliveries(created);
        """,
        // 7 (following): the activity log that `follow=true` and `GET /v1/stream` read
        // (WebhookCore/Activity.swift). A row per mail sent, engagement caused and attempt
        // logged, written by triggers in the same transaction as the thing itself, so that no
        // writer can forget it. AUTOINCREMENT: a reader resumes after an id, and an id must
        // never come back after the newest rows are deleted. `kind`: 1 mail, 2 engagement,
        // 3 attempt; `ref` the mail or the delivery, `number` the event's place in the mail's
        // events or the attempt's number; `time` for retention.
        """
        CREATE TABLE activity (
            id      INTEGER PRIMARY KEY AUTOINCREMENT,
            account TEXT NOT NULL,
            kind    INTEGER NOT NULL,
            ref     INTEGER NOT NULL,
            number  INTEGER NOT NULL,
            time    REAL NOT NULL
        );
        CREATE INDEX activity_by_account ON activity(account, id);
        CREATE TRIGGER activity_of_mails AFTER INSERT ON mails BEGIN
            INSERT INTO activity(account, kind, ref, number, time) VALUES (NEW.account, 1, NEW.id, 0, NEW.created);
        END;
        CREATE TRIGGER activity_of_engagement AFTER UPDATE OF events ON mails
        WHEN json_array_length(NEW.events) > json_array_length(OLD.events) BEGIN
            INSERT INTO activity(account, kind, ref, number, time)
            VALUES (NEW.account, 2, NEW.id, json_array_length(NEW.events) - 1, json_extract(NEW.events, '$[#-1][1]'));
        END;
        CREATE TRIGGER activity_of_attempts AFTER INSERT ON delivery_attempts BEGIN
            INSERT INTO activity(account, kind, ref, number, time)
            SELECT account, 3, NEW.delivery_id, NEW.number, NEW.time FROM deliveries WHERE id = NEW.delivery_id;
        END;
        """,
        // 8 (fan-out): an event's body once, not in each of its deliveries. A fan-out of one
        // event to a thousand webhooks wrote the same body (about 400 bytes) into a thousand
        // rows, seven rows to a page, and every attempt's update rewrote those wide pages
        // (docs/PERFORMANCE.md, "SQLite fan-out"). Its deliveries now name a row of
        // `delivery_bodies` (`body_id`) and carry an empty `payload`; deliveries written before
        // this step keep theirs inline with no `body_id`. A body goes with the last delivery
        // that names it. (A send's deliveries were kept inline at first; since the same session
        // each event of a mail writes its body here too, one for all its webhooks.)
        """
        CREATE TABLE delivery_bodies (
            id      INTEGER PRIMARY KEY,
            payload BLOB NOT NULL
        );
        ALTER TABLE deliveries ADD COLUMN body_id INTEGER;
        CREATE INDEX deliveries_by_body ON deliveries(body_id) WHERE body_id IS NOT NULL;
        CREATE TRIGGER delivery_bodies_unused AFTER DELETE ON deliveries
        WHEN OLD.body_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM deliveries WHERE body_id = OLD.body_id) BEGIN
            DELETE FROM delivery_bodies WHERE id = OLD.body_id;
        END;
        """,
    ]

    static func migrate(_ connection: SQLiteConnection) throws(WebhookError) {
        // Cheap check first: most opens find the schema current and take no write lock.
        let found = try connection.integer("PRAGMA user_version")
        if found == migrations.count { return }
        if found > migrations.count {
            throw .storage("store schema version \(found) is newer than this whs knows (\(migrations.count))")
        }
        try connection.execute("BEGIN IMMEDIATE")
        do throws(WebhookError) {
            let version = try connection.integer("PRAGMA user_version")
            for step in version..<migrations.count {
                try connection.execute(migrations[step])
                try connection.execute("PRAGMA user_version = \(step + 1)")
            }
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }
}
