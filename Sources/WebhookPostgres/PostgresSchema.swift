import PostgresNIO
import WebhookCore
import WhsSupport

/// The PostgreSQL schema as numbered migrations, the same data as the SQLite store's
/// (WebhookStore/Schema.swift) plus what sharing needs: leases on deliveries and the node on
/// each attempt. `whs_migrations` records each step with the node that ran it. Nodes migrate
/// under one advisory lock, so two starting together on an empty database run each step
/// once: the second waits, then finds nothing left to do.
enum PostgresSchema {
    /// Any number that no other program using the database would take for its own lock.
    static let lockKey = 7_411_907_348

    static let migrations: [String] = [
        // 1: everything, as of the SQLite store's step 4. bigserial ids come from sequences,
        // so an id is never used twice, even across nodes and after deletes; a send takes
        // its mail and delivery ids from the sequences first, so it can chain its deliveries
        // and write them in one statement.
        """
        CREATE TABLE accounts (
            name    text PRIMARY KEY,
            app_key text NOT NULL
        );
        CREATE TABLE api_users (
            name     text PRIMARY KEY,
            account  text NOT NULL REFERENCES accounts(name),
            key_salt bytea NOT NULL,
            key_hash bytea NOT NULL
        );
        CREATE INDEX api_users_by_account ON api_users(account);
        CREATE TABLE webhooks (
            id       bigserial PRIMARY KEY,
            account  text NOT NULL,
            api_user text NOT NULL,
            url      text NOT NULL,
            events   bigint NOT NULL
        );
        CREATE UNIQUE INDEX webhooks_by_owner_url ON webhooks(account, api_user, url);
        CREATE INDEX webhooks_by_account ON webhooks(account, id);
        CREATE INDEX webhooks_by_api_user ON webhooks(account, api_user, id) INCLUDE (events, url);
        CREATE TABLE deliveries (
            id           bigserial PRIMARY KEY,
            account      text NOT NULL,
            webhook_id   bigint NOT NULL,
            url          text NOT NULL,
            event        int NOT NULL,
            message_id   text NOT NULL,
            payload      bytea NOT NULL,
            state        text NOT NULL,
            attempts     int NOT NULL DEFAULT 0,
            next_attempt double precision,
            created      double precision NOT NULL,
            mail_id      bigint,
            after_id     bigint,
            lease_node   text,
            lease_until  double precision
        );
        CREATE INDEX deliveries_by_account ON deliveries(account, id);
        CREATE INDEX deliveries_by_message ON deliveries(account, message_id, id);
        CREATE INDEX deliveries_pending ON deliveries(next_attempt, id) WHERE state = 'pending';
        CREATE TABLE delivery_attempts (
            delivery_id bigint NOT NULL,
            number      int NOT NULL,
            time        double precision NOT NULL,
            status      int,
            latency_ms  double precision NOT NULL,
            error       text,
            node        text,
            PRIMARY KEY (delivery_id, number)
        );
        CREATE TABLE sends (
            account    text NOT NULL,
            request_id text NOT NULL,
            answer     text NOT NULL,
            created    double precision NOT NULL,
            PRIMARY KEY (account, request_id)
        );
        CREATE TABLE mails (
            id          bigserial PRIMARY KEY,
            account     text NOT NULL,
            message_id  text NOT NULL,
            email_id    text NOT NULL,
            task_id     bigint NOT NULL,
            api_user    text NOT NULL,
            sender      text NOT NULL,
            recipient   text NOT NULL,
            address     text NOT NULL,
            subject     text NOT NULL,
            html        text NOT NULL,
            text        text NOT NULL,
            custom_args text NOT NULL,
            label_id    bigint,
            label_name  text,
            template    text,
            created     double precision NOT NULL,
            events      text NOT NULL
        );
        CREATE INDEX mails_by_account ON mails(account, id);
        CREATE UNIQUE INDEX mails_by_email_id ON mails(account, email_id);
        CREATE TABLE templates (
            account text NOT NULL,
            name    text NOT NULL,
            subject text NOT NULL,
            html    text NOT NULL,
            text    text NOT NULL,
            created double precision NOT NULL,
            updated double precision NOT NULL,
            PRIMARY KEY (account, name)
        );
        """,
        // 2: how many webhooks each account has per API_USER, kept by a trigger in the same
        // transaction as every add, delete and change of API_USER. A page's total is then a
        // read of a few rows instead of a count of the account's index on every request, and
        // it is exact on every node at once: a count is never cached anywhere.
        """
        CREATE TABLE webhook_counts (
            account  text NOT NULL,
            api_user text NOT NULL,
            n        bigint NOT NULL,
            PRIMARY KEY (account, api_user)
        );
        INSERT INTO webhook_counts(account, api_user, n) SELECT account, api_user, count(*) FROM webhooks GROUP BY account, api_user;
        CREATE FUNCTION whs_count_webhooks() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('DELETE', 'UPDATE') THEN
                UPDATE webhook_counts SET n = n - 1 WHERE account = OLD.account AND api_user = OLD.api_user;
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                INSERT INTO webhook_counts(account, api_user, n) VALUES (NEW.account, NEW.api_user, 1)
                ON CONFLICT (account, api_user) DO UPDATE SET n = webhook_counts.n + 1;
            END IF;
            RETURN NULL;
        END $$;
        CREATE TRIGGER webhooks_counted AFTER INSERT OR DELETE OR UPDATE OF api_user ON webhooks
            FOR EACH ROW EXECUTE FUNCTION whs_count_webhooks();
        """,
        // 3 (fidelity): as the SQLite store's step 5: a mail's calendar or MIME source, and
        // the fault injected into a delivery.
        """
        ALTER TABLE mails ADD COLUMN extra text NOT NULL DEFAULT '';
        ALTER TABLE deliveries ADD COLUMN fault text;
        """,
        // 4 (operations): as the SQLite store's step 6: both logs by time, for retention
        // (`whs serve --retain`), which one node at a time runs (`StoreLock.prune`).
        """
        CREATE INDEX mails_by_created ON mails(created);
        CREATE INDEX deliveries_by_created ON deliveries(created);
        """,
        // (following) the activity log, as the SQLite store's step 7, written by triggers.
        // Rows of concurrent transactions commit out of id order, so each row keeps the id of
        // the transaction that wrote it (`tx`), and readers take only rows of transactions
        // older than every one still open (WebhookCore/Activity.swift). Statement triggers
        // with transition tables: one insert for a batch of attempts, not one per row.
        """
        CREATE TABLE activity (
            id      bigserial PRIMARY KEY,
            tx      bigint NOT NULL DEFAULT txid_current(),
            account text NOT NULL,
            kind    int NOT NULL,
            ref     bigint NOT NULL,
            number  int NOT NULL,
            time    double precision NOT NULL
        );
        CREATE INDEX activity_by_account ON activity(account, tx, id);
        CREATE FUNCTION whs_activity_of_mails() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO activity(account, kind, ref, number, time) SELECT account, 1, id, 0, created FROM added ORDER BY id;
            RETURN NULL;
        END $$;
        CREATE TRIGGER activity_of_mails AFTER INSERT ON mails REFERENCING NEW TABLE AS added
            FOR EACH STATEMENT EXECUTE FUNCTION whs_activity_of_mails();
        CREATE FUNCTION whs_activity_of_engagement() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO activity(account, kind, ref, number, time)
            SELECT n.account, 2, n.id, json_array_length(n.events::json) - 1,
                   (n.events::json -> (json_array_length(n.events::json) - 1) ->> 1)::float8
            FROM changed n JOIN previous o ON o.id = n.id
            WHERE json_array_length(n.events::json) > json_array_length(o.events::json) ORDER BY n.id;
            RETURN NULL;
        END $$;
        CREATE TRIGGER activity_of_engagement AFTER UPDATE ON mails REFERENCING OLD TABLE AS previous NEW TABLE AS changed
            FOR EACH STATEMENT EXECUTE FUNCTION whs_activity_of_engagement();
        CREATE FUNCTION whs_activity_of_attempts() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO activity(account, kind, ref, number, time)
            SELECT d.account, 3, a.delivery_id, a.number, a.time FROM added a JOIN deliveries d ON d.id = a.delivery_id
            ORDER BY a.delivery_id, a.number;
            RETURN NULL;
        END $$;
        CREATE TRIGGER activity_of_attempts AFTER INSERT ON delivery_attempts REFERENCING NEW TABLE AS added
            FOR EACH STATEMENT EXECUTE FUNCTION whs_activity_of_attempts();
        """,
        // 6 (the cost of a delivery, docs/PERFORMANCE.md): room on each page of `deliveries`
        // for a second version of every row, so that a claim's lease (columns no index holds)
        // is a HOT update, which writes no index entry, instead of a new entry in all five
        // indexes (at the default fill a claimed row's new version never fit on its page; 70
        // left room for too few). Existing pages keep their fill; new ones follow it. The
        // attempts' activity rows are written by the attempts' own statement
        // (`RecordAttemptsStatement`), which has each delivery's account from its update:
        // the trigger looked it up again in `deliveries`, about half of the batch's time.
        // Every insert of attempts is that statement, so nothing else needs the trigger.
        """
        ALTER TABLE deliveries SET (fillfactor = 50);
        DROP TRIGGER activity_of_attempts ON delivery_attempts;
        DROP FUNCTION whs_activity_of_attempts();
        """,
        // 7 (the cost of a settle, docs/PERFORMANCE.md, fifth session): the queue of pending
        // deliveries in a table of its own, with the leases. `deliveries_pending` held `state`
        // and `next_attempt`, which logging an attempt changes, so no settle was a HOT update:
        // each wrote a new entry into the four other indexes of `deliveries`. Now no index of
        // `deliveries` holds a column that a claim or a settle changes, so both are HOT there;
        // the claim leases the queue's row (HOT as well: the lease is in no index), and a settle
        // deletes it, or moves its due time for a retry. A row is in the queue exactly while
        // its delivery is pending (every statement that writes a pending delivery or ends one
        // keeps the two together in one statement). Leases held at the upgrade move with their
        // rows (nodes are stopped for an upgrade: docs/SCALING.md).
        """
        CREATE TABLE delivery_queue (
            id           bigint PRIMARY KEY,
            next_attempt double precision NOT NULL,
            after_id     bigint,
            lease_node   text,
            lease_until  double precision
        ) WITH (fillfactor = 50);
        CREATE INDEX delivery_queue_due ON delivery_queue(next_attempt, id);
        INSERT INTO delivery_queue(id, next_attempt, after_id, lease_node, lease_until)
            SELECT id, coalesce(next_attempt, created), after_id, lease_node, lease_until FROM deliveries WHERE state = 'pending';
        DROP INDEX deliveries_pending;
        ALTER TABLE deliveries DROP COLUMN lease_node, DROP COLUMN lease_until;
        """,
        // 8 (the claim's plan, docs/PERFORMANCE.md, sixth session): the claim as a function
        // whose one plan is made once per connection and can only be the index's: the due
        // rows read in `delivery_queue_due`'s order up to the limit, each joined row found by
        // its primary key. Planned at every run (an unnamed statement) it cost 0.25 to 0.3 ms
        // of planning a claim, about as much as running it; prepared as it was, its generic
        // plan, made while the queue was empty (a node polls from its start), read the whole
        // queue and sorted it. The function's settings hold only while it runs: with the other
        // scans, the sort and the hash and merge joins off, and the rows it leases and reads
        // found by `id = ANY` of the rows before them (a join planned on a table believed empty
        // scanned the whole primary key for each row), the planner has no other plan to
        // choose, whatever it believes the tables hold; the chain's check is a scalar subquery,
        // which cannot become a hash of every delivery; `force_generic_plan` keeps it from
        // planning each call again. One case the settings cannot cover: planned on tables
        // with no pages at all (a fresh database, whose nodes poll from their start), every
        // index costs nothing and a lookup by id may take a full scan of another index that
        // holds `id`; so a claim on a queue of no pages returns at once, and the plan is made
        // at the first claim that finds a page (with one row, the plan is the right one).
        // An older node still claims with its own statement.
        """
        CREATE FUNCTION whs_claim(claimer text, most bigint, lease float8)
            RETURNS TABLE(id bigint, account text, url text, payload bytea, attempts int, fault text)
            LANGUAGE plpgsql
            SET plan_cache_mode = force_generic_plan
            SET enable_seqscan = off
            SET enable_bitmapscan = off
            SET enable_sort = off
            SET enable_hashjoin = off
            SET enable_mergejoin = off
        AS $$
        #variable_conflict use_column
        BEGIN
            IF pg_relation_size('delivery_queue') = 0 THEN
                RETURN;
            END IF;
            RETURN QUERY
            WITH due AS (
                SELECT q.id FROM delivery_queue q
                WHERE q.next_attempt <= (SELECT extract(epoch FROM clock_timestamp())::float8)
                  AND (q.lease_until IS NULL OR q.lease_until < (SELECT extract(epoch FROM clock_timestamp())::float8))
                  AND (q.after_id IS NULL OR coalesce((SELECT p.state <> 'pending' OR p.attempts > 0 FROM deliveries p WHERE p.id = q.after_id), true))
                ORDER BY q.next_attempt, q.id
                LIMIT most
                FOR UPDATE OF q SKIP LOCKED
            ), leased AS (
                UPDATE delivery_queue SET lease_node = claimer, lease_until = extract(epoch FROM clock_timestamp())::float8 + lease
                WHERE delivery_queue.id = ANY (ARRAY(SELECT due.id FROM due))
                RETURNING delivery_queue.id
            )
            SELECT d.id, d.account, d.url, d.payload, d.attempts, d.fault FROM deliveries d WHERE d.id = ANY (ARRAY(SELECT leased.id FROM leased));
        END $$;
        """,
    ]

    static func migrate(_ client: PostgresClient, node: String) async throws {
        try await client.withConnection { connection in
            let logger = PostgresStore.quiet
            try await connection.query("SELECT pg_advisory_lock(\(lockKey))", logger: logger)
            do {
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS whs_migrations (
                        version int PRIMARY KEY, node text NOT NULL, applied double precision NOT NULL)
                    """, logger: logger)
                var done = 0
                for try await version in try await connection.query("SELECT coalesce(max(version), 0) FROM whs_migrations", logger: logger).decode(Int.self) {
                    done = version
                }
                if done > migrations.count {
                    throw WebhookError.storage("the database's schema version \(done) is newer than this whs knows (\(migrations.count))")
                }
                for step in done..<migrations.count {
                    try await connection.withTransaction(logger: logger) { connection in
                        // One statement at a time: the extended protocol takes no more.
                        for statement in statements(of: migrations[step]) {
                            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        }
                        try await connection.query("INSERT INTO whs_migrations(version, node, applied) VALUES (\(step + 1), \(node), \(Clock.now()))", logger: logger)
                    }
                }
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
                throw error
            }
            try await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
        }
    }

    /// A migration's statements: split at a `;` that ends a line, except inside a `$$` body.
    static func statements(of migration: String) -> [String] {
        var found: [String] = []
        var current = ""
        var quoted = false
        for line in migration.split(separator: "\n", omittingEmptySubsequences: false) {
            current += line + "\n"
            var rest = Substring(line)
            while let mark = rest.firstRange(of: "$$") {
                quoted.toggle()
                rest = rest[mark.upperBound...]
            }
            if !quoted, line.hasSuffix(";") {
                found.append(current)
                current = ""
            }
        }
        if !current.allSatisfy(\.isWhitespace) { found.append(current) }
        return found
    }
}
