import WhsLanguage
import WhsSupport

/// `help`: written from the same command table that dispatches and completes, so it cannot
/// fall behind.
public enum Help {
    public static func text(for topic: String?, in interpreter: Interpreter) -> String {
        guard let topic else { return overview(interpreter) }
        if topic == "functions" {
            let functions = interpreter.functions.values.sorted { $0.name < $1.name }.map { "  " + $0.signature }
            let procedures = interpreter.procedures.values.sorted { $0.name < $1.name }.map { "  \($0.signature)  (procedure, \($0.place))" }
            return (functions + procedures).joined(separator: "\n")
        }
        if let procedure = interpreter.procedures[topic] {
            return "\(procedure.signature): a procedure, defined at \(procedure.place)"
        }
        guard let command = interpreter.commands[topic] else {
            let hint = Suggestion.hint(for: topic, in: Array(interpreter.commands.keys) + Array(interpreter.procedures.keys))
            return "no command '\(topic)'\(hint) (help lists them)"
        }
        var lines = ["usage: \(command.usage)", "", command.summary]
        if !command.arguments.isEmpty {
            lines.append("")
            let width = command.arguments.map { $0.name.count }.max()!
            for argument in command.arguments {
                let aliases = argument.aliases.isEmpty ? "" : " (also \(argument.aliases.map { $0 + "=" }.joined(separator: ", ")))"
                lines.append("  \(argument.name)=\(String(repeating: " ", count: width - argument.name.count))  \(argument.summary)\(aliases)")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func overview(_ interpreter: Interpreter) -> String {
        // Names and summaries, as psql's \? lists them; a usage line is `help COMMAND`'s job
        // (`listen`'s alone would push every summary past the edge of a terminal).
        let commands = interpreter.commands.values.sorted { $0.name < $1.name }
        let width = commands.map(\.name.count).max() ?? 0
        var lines = ["Commands:"]
        for command in commands {
            lines.append("  \(command.name)\(String(repeating: " ", count: width - command.name.count))  \(command.summary)")
        }
        lines.append("")
        lines.append("Statements: $x = ..., if/elif/else, for $x in ..., while, break, continue, assert COND[, MESSAGE],")
        lines.append("  sleep DURATION, wait COND [timeout=DURATION] [every=DURATION]; durations: 250ms, 5s, 2m, 1h;")
        lines.append("  def name($a, $b) { ... return VALUE }, called as name(1, 2);")
        lines.append("  watch [every=2s] [count=N] [timeout=DURATION] { ... } runs a block again and again (Ctrl-C stops)")
        lines.append("Settings (set NAME VALUE): format table|json|csv, pager auto|on|off, and more: set lists them.")
        lines.append("Keys: Ctrl-X Ctrl-E edits the line in $VISUAL or $EDITOR; edit reopens the last statement.")
        lines.append("help COMMAND explains one command; help functions lists the functions.")
        return lines.joined(separator: "\n")
    }
}
