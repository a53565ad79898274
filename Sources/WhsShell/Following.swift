import WebhookCore
import WhsLanguage
import WhsSupport

/// `deliveries follow=true` and `mails follow=true`: rows printed as they happen, like
/// `stripe logs tail`, until Ctrl-C or `timeout=` (docs/OPERATIONS.md, "Following"). At the
/// prompt a follow may go on until Ctrl-C; a script must give `timeout=`, so that it always
/// ends. The rows come from the backend's activity log: a local store's, read a few times a
/// second, or a server's `GET /v1/stream`. Each is printed as one line (one JSON object with
/// `--json`), so that a pipe gets it as it comes; the command itself returns nothing.
enum Following {
    static let follow = ArgumentSpec("follow", "true: print new rows as they happen, until Ctrl-C or timeout= (a script must give timeout=)",
                                     completion: .words(["true", "false"]))
    static let timeout = ArgumentSpec("timeout", "with follow=true: stop following after this long (30s, 5m)")

    /// What `follow=` and `timeout=` ask for: nil when not following. Refuses `limit=` (a
    /// follow shows every new row), `timeout=` without `follow=true`, and a follow without a
    /// timeout anywhere but at the prompt.
    static func wait(_ call: CommandInvocation, _ shell: Shell) throws -> FollowWait? {
        let following = try ArgumentValues.bool(call.argument("follow"), "follow")
        let timeout = try seconds(call.argument("timeout"))
        guard following else {
            if timeout != nil { throw CommandFailure("timeout= goes with follow=true") }
            return nil
        }
        if let limit = call.argument("limit"), limit != .null { throw CommandFailure("limit= does not go with follow=true: a follow shows every new row") }
        if timeout == nil, !(shell.prompting && shell.sourceDepth == 0) {
            throw CommandFailure("follow=true in a script needs timeout= (e.g. timeout=30s), so that the script ends; only at the prompt does a follow wait for Ctrl-C")
        }
        return FollowWait(timeout: timeout, isInterrupted: { Signals.isInterruptRequested })
    }

    static func seconds(_ value: Value?) throws -> Double? {
        switch value {
        case nil, .null?: return nil
        case .duration(let duration)? where duration.seconds > 0: return duration.seconds
        case .int(let seconds)? where seconds > 0: return Double(seconds)
        case .double(let seconds)? where seconds > 0 && seconds.isFinite: return seconds
        case let other?: throw CommandFailure("timeout must be a duration (30s, 5m) or seconds, more than 0; got \(other.literal)")
        }
    }

    /// Follows `kinds`, printing the rows `keep` lets through as `line` writes them. `what`
    /// names them in the lines around the follow at a terminal.
    static func run(_ shell: Shell, _ kinds: Set<ActivityKind>, _ wait: FollowWait, what: String,
                    keep: (JSON) -> Bool, line: (JSON) -> String) throws -> Value {
        guard let source = try shell.events() as? any ActivityFollowing else { throw CommandFailure("this backend cannot be followed") }
        let json = shell.settings.format == .json
        let talks = shell.out.isTerminal && !json
        let renderer = shell.renderer
        if talks {
            let until = wait.timeout.map { "for \(DurationText.format($0)), or until Ctrl-C" } ?? "until Ctrl-C"
            shell.out.line(renderer.dim("(following new \(what) \(until))"))
        }
        shell.out.flush()
        var count = 0
        let out = shell.out
        let end = try source.follow(kinds, wait) { row in
            guard keep(row) else { return }
            count += 1
            out.line(json ? row.text : line(row))
            out.flush()
        }
        if talks {
            shell.out.line(renderer.dim("(\(count) \(count == 1 ? String(what.dropLast()) : what); \(end == .timeout ? "time is up" : "stopped"))"))
        }
        return .null
    }

    /// `09:02:06.515  delivery 7  deliver  http://...  200 in 3.1 ms`, as a wait shows attempts.
    static func attemptLine(_ row: JSON) -> String {
        let text = DeliveryWatcher.line(row, row["attempt"] ?? .object([]))
        guard case .int(let id)? = row["delivery_id"], let gap = text.firstRange(of: "  ") else { return text }
        return text[..<gap.lowerBound] + "  delivery \(id)" + text[gap.lowerBound...]
    }

    /// `09:02:06.515  mail 3  ann@example.com  "Hi"  request > sent > deliver > open`, or an
    /// engagement: `09:03:00.000  mail 3  ann@example.com  click https://...`.
    static func mailLine(_ row: JSON) -> String {
        func text(_ key: String) -> String { if case .string(let value)? = row[key] { value } else { "" } }
        let id: String = if case .int(let n)? = row["mail_id"] ?? row["id"] { String(n) } else { "?" }
        if row["kind"] == .string(ActivityKind.engagement.name) {
            let url = text("url")
            return "\(clock(text("time")))  mail \(id)  \(text("to"))  \(text("event"))\(url.isEmpty ? "" : " " + url)"
        }
        var events = ""
        if case .array(let names)? = row["events"] { events = names.compactMap { if case .string(let name) = $0 { name } else { nil } }.joined(separator: " > ") }
        return "\(clock(text("created")))  mail \(id)  \(text("to"))  \(JSON.quote(text("subject")))  \(events)"
    }

    /// `09:02:06.515` of an ISO 8601 time.
    static func clock(_ time: String) -> String { time.count >= 23 ? String(time.dropFirst(11).prefix(12)) : time }
}

extension Following {
    /// `deliveries follow=true [webhook=] [status=] [message_id=]`: each attempt as it ends;
    /// `status=` is the state that attempt left its delivery in.
    static func deliveries(_ call: CommandInvocation, _ shell: Shell, _ wait: FollowWait) throws -> Value {
        let query = try DeliveryQuery.validated(
            webhookID: try ArgumentValues.integer(call.argument("webhook"), "webhook"),
            state: try ArgumentValues.string(call.argument("status"), "status"),
            messageID: try ArgumentValues.string(call.argument("message_id"), "message_id"), limit: nil)
        return try run(shell, [.attempt], wait, what: "attempts", keep: { row in
            (query.webhookID == nil || row["webhook_id"] == .int(query.webhookID!))
                && (query.state == nil || row["state"] == .string(query.state!.rawValue))
                && (query.messageID == nil || row["message_id"] == .string(query.messageID!))
        }, line: attemptLine)
    }

    /// `mails follow=true [to=] [message_id=]`: each mail as it is sent, and engagement caused
    /// by hand.
    static func mails(_ call: CommandInvocation, _ shell: Shell, _ wait: FollowWait) throws -> Value {
        let query = try MailQuery.validated(to: try ArgumentValues.string(call.argument("to"), "to"),
                                            messageID: try ArgumentValues.string(call.argument("message_id"), "message_id"), limit: nil)
        return try run(shell, [.mail, .engagement], wait, what: "mails", keep: { row in
            guard case .string(let to)? = row["to"] else { return false }
            let address = MailRules.parseAddress(to)?.address ?? to
            return (query.to == nil || address.lowercased() == query.to!.lowercased())
                && (query.messageID == nil || row["message_id"] == .string(query.messageID!))
        }, line: mailLine)
    }
}
