import WhsLanguage
import WhsSupport

/// The shell's own commands: printing, settings, variables, sourcing, help, exit.
enum ShellCommands {
    static func all(_ shell: Shell) -> [CommandSpec] {
        // The shell owns its commands: they must not own it back.
        unowned let shell = shell
        return [
            CommandSpec(
                name: "print", summary: "print values separated by spaces (strings without quotes)",
                usage: "print VALUE...", variadic: true
            ) { call in
                shell.out.line(call.positional.map(\.plainText).joined(separator: " "))
                return .null
            },
            CommandSpec(
                name: "source", summary: "run a .whs file in this session",
                usage: "source FILE", positionals: ["file"],
                arguments: [ArgumentSpec("file", "the script to run", completion: .files)]
            ) { call in
                guard case .string(let path)? = call.argument("file") else { throw CommandFailure("needs a file name") }
                try shell.source(path)
                return .null
            },
            CommandSpec(
                name: "set", summary: "change a setting; alone, list the settings",
                usage: "set [NAME VALUE]", positionals: ["name", "value"],
                arguments: [
                    ArgumentSpec("name", "the setting", completion: .settings),
                    ArgumentSpec("value", "its new value", completion: .settingValues),
                ]
            ) { call in
                let name = call.argument("name"), value = call.argument("value")
                if name == nil, value == nil {
                    return .object(Object(Settings.choices.map { ($0.name, .string(shell.settings.value(of: $0.name)!)) }))
                }
                guard case .string(let setting)? = name else { throw CommandFailure("usage: set NAME VALUE") }
                guard let value else {
                    guard let current = shell.settings.value(of: setting) else {
                        try shell.settings.set(setting, "")
                        return .null
                    }
                    return .string(current)
                }
                let text = switch value {
                case .bool(let flag): flag ? "on" : "off"
                // `set retry_delays 0.2,0.5,1` arrives as a list of numbers.
                case .list(let items): items.map(\.plainText).joined(separator: ",")
                // `set faults {duplicate: 0.05}`: the words `NAME=VALUE` that the flags take.
                case .object(let members): members.pairs.map { "\($0.key)=\($0.value.plainText)" }.joined(separator: ",")
                default: value.plainText
                }
                try shell.settings.set(setting, text)
                shell.settingsChanged()
                return .null
            },
            CommandSpec(name: "vars", summary: "list the variables that are set (secrets masked, long values cut)", usage: "vars") { _ in
                let shown = shell.interpreter.variables.filter { !($0.name == "error" && $0.value == .null) }
                // Cut, because `$_` holds the last listing: whole, each `vars` quoted the one
                // before it, and a few dozen in a row grew without bound (found by the fuzzer).
                return .object(Object(shown.map { ("$" + $0.name, .string(ShellCommands.preview($0.value.literal))) }))
            },
            CommandSpec(
                name: "unset", summary: "remove variables", usage: "unset $NAME...", variadic: true, takesVariableNames: true
            ) { call in
                for value in call.positional {
                    guard case .string(let name) = value else { throw CommandFailure("needs variable names, got \(value.typeName)") }
                    let bare = name.hasPrefix("$") ? String(name.dropFirst()) : name
                    guard shell.interpreter.value(of: bare) != nil else { throw CommandFailure("$\(bare) is not set") }
                    shell.interpreter.set(bare, nil)
                }
                return .null
            },
            CommandSpec(
                name: "help", summary: "list commands, or explain one", usage: "help [COMMAND | functions]",
                positionals: ["topic"], arguments: [ArgumentSpec("topic", "a command name, or functions", completion: .commands)]
            ) { call in
                shell.display(Help.text(for: call.argument("topic")?.plainText, in: shell.interpreter))
                return .null
            },
            CommandSpec(
                name: "exit", summary: "leave whs with a status (default 0)", usage: "exit [CODE]",
                positionals: ["code"], arguments: [ArgumentSpec("code", "the exit status, 0 to 255")]
            ) { call in
                let code = try ArgumentValues.integer(call.argument("code"), "code") ?? 0
                guard (0...255).contains(code) else { throw CommandFailure("code must be 0 to 255, got \(code)") }
                throw ExitRequest(code: Int32(code))
            },
        ]
    }
}

/// `history [N]` and `history save FILE`.
/// `record FILE`, `record stop`, `record`: docs/DEMOS.md.
extension ShellCommands {
    static let previewLength = 100

    /// A value's literal, cut to `previewLength` characters with `…` when longer.
    static func preview(_ literal: String) -> String {
        let head = literal.prefix(previewLength)
        return head.endIndex == literal.endIndex ? literal : head + "…"
    }
}

enum RecordCommand {
    static func spec(_ shell: Shell) -> CommandSpec {
        // The shell owns its commands: they must not own it back.
        unowned let shell = shell
        return CommandSpec(
            name: "record", summary: "write each statement that succeeds from now on to a script; record stop ends it",
            usage: "record FILE | record stop | record", positionals: ["file"],
            arguments: [ArgumentSpec("file", "the script to write (replaced), or stop", completion: .files)]
        ) { call in
            guard let target = call.argument("file") else {
                guard let recorder = shell.recorder else { return .string("not recording") }
                return .string("recording to \(recorder.path) (\(recorder.count) statement\(recorder.count == 1 ? "" : "s") so far)")
            }
            guard case .string(let path) = target else { throw CommandFailure("usage: record FILE | record stop") }
            if path == "stop" {
                guard let recorder = shell.recorder else { throw CommandFailure("not recording") }
                shell.recorder = nil
                return .string("recorded \(recorder.count) statement\(recorder.count == 1 ? "" : "s") to \(recorder.path)")
            }
            if let recorder = shell.recorder { throw CommandFailure("recording to \(recorder.path) already (record stop ends it)") }
            shell.recorder = try Recorder(path: path)
            return .string("recording to \(path): each statement that succeeds (record stop ends it)")
        }
    }
}

enum HistoryCommand {
    static func spec(_ shell: Shell) -> CommandSpec {
        // The shell owns its commands: they must not own it back.
        unowned let shell = shell
        return CommandSpec(
            name: "history", summary: "the last N statements typed; history save FILE writes this session's successful ones as a script",
            usage: "history [N] | history save FILE", positionals: ["what", "file"],
            arguments: [
                ArgumentSpec("what", "how many entries, or save", completion: .words(["save"])),
                ArgumentSpec("file", "where history save writes", completion: .files),
            ]
        ) { call in
            guard let history = shell.history else { throw CommandFailure("history is kept only at the interactive prompt") }
            let what = call.argument("what")
            if case .string("save")? = what {
                guard case .string(let path)? = call.argument("file") else { throw CommandFailure("usage: history save FILE") }
                let script = "#!/usr/bin/env whs\n# Saved from a whs session: the statements that ran without error.\n"
                    + history.successful.map { $0 + "\n" }.joined()
                do { try FileIO.write(script, to: path) } catch { throw CommandFailure("cannot write \(error)") }
                shell.out.line("saved \(history.successful.count) statement\(history.successful.count == 1 ? "" : "s") to \(path)")
                return .null
            }
            let count = try ArgumentValues.integer(what, "N") ?? history.entries.count
            guard count >= 0 else { throw CommandFailure("N must be 0 or more, got \(count)") }
            let first = max(0, history.entries.count - count)
            var listing: [String] = []
            for index in first..<history.entries.count {
                let lines = history.entries[index].split(separator: "\n", omittingEmptySubsequences: false)
                listing.append(String(index + 1).leftPadded(5, with: " ") + "  " + lines.joined(separator: "\n       "))
            }
            // A thousand entries page like any long output.
            if !listing.isEmpty { shell.display(listing.joined(separator: "\n")) }
            return .null
        }
    }
}
