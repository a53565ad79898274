import PostgresNIO

// The statements a server runs on every request, prepared once per connection: a page of
// webhooks is parsed and planned once, then only bound and run.

/// A page of an account's webhooks (of one API_USER when `apiUser` is set) with the total
/// beside it: one row with the total alone when the page is empty.
struct WebhookPageStatement: PostgresPreparedStatement {
    static let sql = """
        SELECT t.total, p.id, p.url, p.events, p.api_user FROM
          (SELECT coalesce(sum(n), 0)::int8 AS total FROM webhook_counts WHERE account = $1 AND ($4::text IS NULL OR api_user = $4)) t
          LEFT JOIN LATERAL (SELECT id, url, events, api_user FROM webhooks WHERE account = $1 AND api_user = $4
                             ORDER BY id LIMIT $2 OFFSET $3) p ON $4::text IS NOT NULL
        UNION ALL
        SELECT NULL, id, url, events, api_user FROM
          (SELECT id, url, events, api_user FROM webhooks WHERE account = $1 AND $4::text IS NULL ORDER BY id LIMIT $2 OFFSET $3) a
        """
    typealias Row = (Int?, Int?, String?, Int?, String?)

    let account: String
    let limit: Int
    let offset: Int
    let apiUser: String?

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 4)
        bindings.append(account)
        bindings.append(limit)
        bindings.append(offset)
        bindings.append(apiUser)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
