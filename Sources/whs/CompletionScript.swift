/// `whs completion bash|zsh|fish`: the completion scripts, written from the command-line table
/// (CommandLineTable.swift), so that they offer what the parser accepts and nothing else.
/// Each shell's file does the rest: CompletionScript+Bash, +Zsh, +Fish.
enum CompletionScript {
    static func text(for shell: String) -> String {
        switch shell {
        case "bash": bash
        case "zsh": zsh
        default: fish
        }
    }

    /// What is completed in one place of the command line: the shell's options and script (the
    /// top level, `name` empty), or one subcommand's.
    struct Context {
        let name: String
        let flags: [FlagSpec]
        let operands: [Operand]
    }

    /// The top level: its options, a script (`.whs`) and the script's arguments (any file).
    static var top: Context {
        Context(name: "", flags: CommandLineTable.options.map(\.spec),
                operands: [Operand(name: "FILE.whs", kind: .path(suffix: "whs")),
                           Operand(name: "ARG", kind: .path(suffix: nil), optional: true, repeats: true)])
    }

    static var contexts: [Context] {
        [top] + CommandLineTable.subcommands.map { Context(name: $0.name, flags: $0.flags, operands: $0.operands) }
    }

    static var subcommandNames: [String] { CommandLineTable.subcommands.map(\.name) }

    /// A flag's help cut to what fits beside it in a list of candidates: up to the first `;`
    /// or ` (`, at most 60 characters.
    static func brief(_ help: String) -> String {
        var text = Substring(help)
        for mark in ["; ", " ("] {
            if let range = text.firstRange(of: mark) { text = text[..<range.lowerBound] }
        }
        guard text.count > 60 else { return String(text) }
        var cut = text.prefix(57)
        if let space = cut.lastIndex(of: " ") { cut = cut[..<space] }
        return cut + "..."
    }

    /// The words a value of `kind` completes to, when it has a fixed set (`.command`: the
    /// subcommands).
    static func words(_ kind: ValueKind) -> [String] {
        if case .command = kind { return subcommandNames }
        return kind.words
    }
}

extension String {
    /// In single quotes for a POSIX shell: `it's` as `'it'\''s'`.
    var singleQuoted: String { "'" + split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'" }
}
