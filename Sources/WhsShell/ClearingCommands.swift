import Glibc
import WebhookCore
import WhsLanguage
import WhsSupport

/// `reset` (docs/OPERATIONS.md): empties the account, or named parts of it, on every backend.
/// At the prompt it asks first; a script is taken at its word.
enum ClearingCommands {
    static func reset(_ shell: Shell) -> CommandSpec {
        // The shell owns its commands: they must not own it back.
        unowned let shell = shell
        return CommandSpec(
            name: "reset", summary: "empty this account: its mails, deliveries, webhooks and templates, or the parts named",
            usage: "reset [mails,deliveries,webhooks,templates] [before=1h] [force=true]",
            positionals: ["parts"],
            arguments: [
                ArgumentSpec("parts", "the parts to empty (default all): mails, deliveries, webhooks, templates", completion: .words(ResetPart.allCases.map(\.rawValue))),
                ArgumentSpec("before", "only mails and deliveries older than this: an age (90s, 2h, 7d) or an ISO 8601 time"),
                ArgumentSpec("force", "true: do not ask first at the prompt", completion: .words(["true", "false"])),
            ]
        ) { call in
            let parts = try self.parts(call.argument("parts"))
            let before = try self.before(call.argument("before"))
            if before != nil { try Cutoff.check(parts, before: 0) }
            let clearing = try shell.clearing()
            if shell.asksBeforeClearing, !(clearing is ExplainingClearing), !(try ArgumentValues.bool(call.argument("force"), "force")) {
                let what = parts.count == ResetPart.allCases.count ? "every mail, delivery, webhook and template" : parts.sorted().map(\.rawValue).joined(separator: ", ")
                let question = "reset: delete \(what)\(before.map { " older than \($0)" } ?? "") of this account (\(shell.service.backendDescription))? [y/N] "
                guard Terminal.confirm(question) else { return .string("nothing was reset") }
            }
            let cleared = try clearing.clear(parts, before: before)
            if cleared.cancelled > 0 { shell.eventsIfMade?.deliveriesCancelled(cleared) }
            return Value(cleared.json)
        }
    }

    /// `mails`, `mails,deliveries`, `[mails, deliveries]`; nothing: every part.
    static func parts(_ value: Value?) throws -> Set<ResetPart> {
        func named(_ value: Value) throws -> [ResetPart] {
            guard case .string(let text) = value else { throw CommandFailure("parts are names (\(ResetPart.names)), got \(value.literal)") }
            var parts: [ResetPart] = []
            for name in text.split(separator: ",") { parts.append(try ResetPart.named(String(name.trimmingBlanks))) }
            return parts
        }
        switch value {
        case nil, .null?: return Set(ResetPart.allCases)
        case .list(let items)?: return Set(try items.flatMap(named))
        case let one?: return Set(try named(one))
        }
    }

    /// `before=1h` (a duration) or `before="2026-11-26T15:00:00Z"`, as text the backend reads.
    static func before(_ value: Value?) throws -> String? {
        switch value {
        case nil, .null?: return nil
        case .duration(let duration)?: return DurationText.format(duration.seconds)
        case .string(let text)?: return text
        case let other?: throw CommandFailure("before must be an age (2h, 7d) or an ISO 8601 time, got \(other.literal)")
        }
    }
}

extension Shell {
    /// The clearing side of the current backend.
    func clearing() throws -> AccountClearing {
        if let made = clearingIfMade { return made }
        guard let makeClearing else { throw CommandFailure("this backend cannot be reset") }
        let made = try makeClearing()
        clearingIfMade = made
        return made
    }

    /// Only a statement typed at the prompt, with a terminal to answer on, is asked about.
    var asksBeforeClearing: Bool { prompting && isatty(0) == 1 }
}

extension Terminal {
    /// Asks on stderr and reads the answer from the terminal: true for `y` or `yes`.
    static func confirm(_ question: String) -> Bool {
        _ = question.withCString { Glibc.write(2, $0, strlen($0)) }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while Glibc.read(0, &byte, 1) == 1, byte != UInt8(ascii: "\n") { bytes.append(byte) }
        let answer = String(decoding: bytes, as: UTF8.self).trimmingBlanks.lowercased()
        return answer == "y" || answer == "yes"
    }
}

/// `explain`'s stand-in for clearing: keeps the (first) request, deletes nothing.
final class ExplainingClearing: AccountClearing {
    private(set) var caught: WireRequest?

    func clear(_ parts: Set<ResetPart>, before: String?) throws(WebhookError) -> ClearedCounts {
        caught = before.map { text in .deleteLog(parts.sorted().first ?? .mails, before: text) } ?? .reset(parts)
        throw .server(code: 0, status: 0, message: "not sent: explain only shows the request")
    }
}
