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
