import WhsSupport

/// The wire shapes of API.md: a webhook is `{"url","event","api_user","id"}` in that order.
extension Webhook {
    public var json: JSON {
        .object([
            ("url", .string(url)),
            ("event", .array(events.codes.map { .int($0) })),
            ("api_user", .string(apiUser)),
            ("id", .int(id)),
        ])
    }
}

extension Page {
    /// `{"result":[...],"count":N,"total":M}`
    public var json: JSON {
        .object([("result", .array(webhooks.map(\.json))), ("count", .int(count)), ("total", .int(total))])
    }
}

extension WebhookError {
    /// `{"code":N,"message":"..."}`
    public var json: JSON { .object([("code", .int(code)), ("message", .string(message))]) }
}

/// `{"count":N}`, the answer of modify and delete.
public func countJSON(_ count: Int) -> JSON { .object([("count", .int(count))]) }
