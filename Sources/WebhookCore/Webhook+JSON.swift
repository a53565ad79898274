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

    /// `json.bytes`, written without building the tree: the server's list answer, its busiest
    /// (the tree of a page of ten was a tenth of the server's time under `wrk`). A test holds
    /// the two equal.
    public var jsonBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(48 + webhooks.count * 128)
        out.append(contentsOf: #"{"result":["#.utf8)
        for (position, webhook) in webhooks.enumerated() {
            if position > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"url":"#.utf8)
            JSON.append(webhook.url, to: &out)
            out.append(contentsOf: #","event":["#.utf8)
            var rest = webhook.events.mask
            while rest != 0 {
                JSON.append(EventSet.codeOfBit[rest.trailingZeroBitCount], to: &out)
                rest &= rest - 1
                if rest != 0 { out.append(UInt8(ascii: ",")) }
            }
            out.append(contentsOf: #"],"api_user":"#.utf8)
            JSON.append(webhook.apiUser, to: &out)
            out.append(contentsOf: #","id":"#.utf8)
            JSON.append(webhook.id, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: #"],"count":"#.utf8)
        JSON.append(count, to: &out)
        out.append(contentsOf: #","total":"#.utf8)
        JSON.append(total, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }
}

extension WebhookError {
    /// `{"code":N,"message":"..."}`
    public var json: JSON { .object([("code", .int(code)), ("message", .string(message))]) }
}

/// `{"count":N}`, the answer of modify and delete.
public func countJSON(_ count: Int) -> JSON { .object([("count", .int(count))]) }
