/// `whs --help` and `whs SUBCOMMAND --help`, written from the table (CommandLineTable.swift):
/// the synopsis and the list of options cannot miss a flag the parser knows.
enum CommandLineHelp {
    /// Lines are wrapped to this many columns.
    static let width = 100

    /// `whs --help`: every form and subcommand with its summary, then the shell's options.
    static var overview: String {
        let entries = CommandLineTable.forms
            + CommandLineTable.subcommands.map { ("whs \($0.name) " + shortSynopsis($0), $0.summary) }
            + [("whs --version", "")]
        let column = 7 + 34
        var lines: [String] = []
        for (index, entry) in entries.enumerated() {
            let usage = (index == 0 ? "usage: " : "       ") + entry.usage
            guard !entry.summary.isEmpty else { lines.append(usage); continue }
            let summary = wrap(entry.summary, width: width - column)
            if usage.count + 2 <= column {
                lines.append(usage.padded(to: column) + summary[0])
                lines += summary.dropFirst().map { String(repeating: " ", count: column) + $0 }
            } else {
                lines.append(usage)
                lines += summary.map { String(repeating: " ", count: column) + $0 }
            }
        }
        lines += ["", "options:"] + optionLines(CommandLineTable.options.map(\.spec))
        lines += [""] + wrap("whs SUBCOMMAND --help shows a subcommand's options; man whs (whs man) has them all, "
                             + "whs man language the language.", width: width)
        lines += [""] + wrap("exit status: " + CommandLineTable.exitStatus + ".", width: width)
        return lines.joined(separator: "\n")
    }

    /// `whs SUBCOMMAND --help`: the synopsis, what it does, its options, its exit status.
    static func text(for subcommand: Subcommand) -> String {
        var lines = synopsis(subcommand)
        lines += ["", subcommand.description]
        if !subcommand.flags.isEmpty {
            lines += ["", "options:"] + optionLines(subcommand.flags)
        }
        if let exit = subcommand.exitStatus {
            lines += [""] + wrap("exit status: " + exit + ".", width: width)
        }
        return lines.joined(separator: "\n")
    }

    /// `[OPTIONS] URL`, for the overview.
    static func shortSynopsis(_ subcommand: Subcommand) -> String {
        let hasOptions = subcommand.flags.contains { $0.name != "--help" }
        return ((hasOptions ? ["[OPTIONS]"] : []) + subcommand.operands.map(\.synopsis)).joined(separator: " ")
    }

    /// `usage: whs serve [--host 127.0.0.1] [--port 8080] ...`, wrapped under its first word.
    static func synopsis(_ subcommand: Subcommand) -> [String] {
        let head = "usage: whs \(subcommand.name) "
        let items = synopsisItems(subcommand.flags) + subcommand.operands.map(\.synopsis)
        var lines: [String] = []
        var line = head
        for item in items {
            if line.count > head.count, line.count + item.count + 1 > width {
                lines.append(line)
                line = String(repeating: " ", count: head.count)
            }
            line += (line.count > head.count ? " " : "") + item
        }
        lines.append(line)
        return lines
    }

    /// `[--store PATH | --memory]`, `[--user ACCOUNT:API_USER:API_KEY]...`; not `--help`.
    static func synopsisItems(_ flags: [FlagSpec]) -> [String] {
        var items: [String] = []
        var index = 0
        let shown = flags.filter { $0.name != "--help" }
        while index < shown.count {
            var members = [shown[index]]
            if let group = shown[index].group {
                while index + 1 < shown.count, shown[index + 1].group == group {
                    index += 1
                    members.append(shown[index])
                }
            }
            let text = members.map(usage).joined(separator: " | ")
            items.append("[\(text)]" + (members.count == 1 && members[0].repeats ? "..." : ""))
            index += 1
        }
        return items
    }

    /// `--port 8080`, `--public`, `-c STATEMENTS`.
    static func usage(_ flag: FlagSpec) -> String {
        flag.takesValue ? "\(flag.name) \(flag.metavar)" : flag.name
    }

    /// `  -q, --quiet          no banner at the prompt`, the help wrapped beside the names.
    static func optionLines(_ flags: [FlagSpec]) -> [String] {
        let names = flags.map { flag in
            (flag.names.joined(separator: ", ") + (flag.takesValue ? " " + flag.metavar : "")) + (flag.repeats ? " ..." : "")
        }
        let column = min(names.map(\.count).max() ?? 0, 26) + 4
        var lines: [String] = []
        for (flag, name) in zip(flags, names) {
            let help = wrap(flag.help, width: width - column)
            if name.count + 4 <= column {
                lines.append(("  " + name).padded(to: column) + help[0])
                lines += help.dropFirst().map { String(repeating: " ", count: column) + $0 }
            } else {
                lines.append("  " + name)
                lines += help.map { String(repeating: " ", count: column) + $0 }
            }
        }
        return lines
    }

    /// `text` in lines of at most `width` columns, broken at spaces (a longer word stands alone).
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        lines.append(line)
        return lines
    }
}

extension String {
    /// The text followed by spaces up to `width` columns.
    func padded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
