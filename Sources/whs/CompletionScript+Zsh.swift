/// zsh: `_arguments` specs for the top level and each subcommand. The file works both ways a
/// zsh user may use it: autoloaded from `$fpath` as `_whs` (`#compdef whs`), or sourced after
/// compinit. Sourced without compinit (no `compdef`), it defines functions and does nothing.
extension CompletionScript {
    static var zsh: String {
        var lines = [
            "#compdef whs",
            "# zsh completion for whs, written by `whs completion zsh` from whs's command-line table:",
            "# subcommands, flags and their values, .whs scripts. Do not edit: run it again.",
            "#   source <(whs completion zsh)     (after compinit), or install it as _whs in $fpath",
            "",
            "# A store: a SQLite file, or a PostgreSQL URL.",
            "_whs_store() {",
            "  local ret=1",
            "  _files && ret=0",
            "  compadd -S '' -- postgres:// && ret=0",
            "  return ret",
            "}",
            "",
            "# The first word: a subcommand (only as the first word of all) or a script.",
            "_whs_first() {",
            "  local ret=1",
            "  local -a subcommands",
            "  subcommands=(",
        ]
        for subcommand in CommandLineTable.subcommands {
            lines.append("    \((subcommand.name + ":" + brief(subcommand.summary)).singleQuoted)")
        }
        lines += [
            "  )",
            "  if (( CURRENT == 2 )); then",
            "    _describe -t subcommands 'whs subcommand' subcommands && ret=0",
            "  fi",
            "  _files -g '*.whs' && ret=0",
            "  return ret",
            "}",
            "",
            "_whs() {",
            "  if (( CURRENT > 2 )); then",
            "    case $words[2] in",
            "      \(subcommandNames.joined(separator: "|")))",
            "        local name=$words[2]",
            "        shift words",
            "        (( CURRENT-- ))",
            "        curcontext=\"${curcontext%:*:*}:whs-$name:\"",
            "        _whs_$name",
            "        return",
            "        ;;",
            "    esac",
            "  fi",
            "  _arguments -s -S \\",
        ]
        lines += specs(top.flags).map { "    \($0) \\" }
        lines += ["    '1: :_whs_first' \\", "    '*:: :_files'", "}"]
        for subcommand in CommandLineTable.subcommands {
            lines += ["", "_whs_\(subcommand.name)() {", "  _arguments -s -S \\"]
            var specs = specs(subcommand.flags)
            for (index, operand) in subcommand.operands.enumerated() {
                let position = operand.repeats ? "*" : "\(index + 1)"
                specs.append("\(position)\(operand.optional ? "::" : ":")\(escaped(operand.name)):\(action(operand.kind))".singleQuoted)
            }
            if specs.isEmpty { specs = ["'*: :'"] }
            lines += specs.dropLast().map { "    \($0) \\" } + ["    \(specs.last!)", "}"]
        }
        lines += [
            "",
            "# Autoloaded from $fpath: this file is the function _whs, so complete now. Sourced: register",
            "# it when compinit has run, else do nothing.",
            "if [ \"$funcstack[1]\" = \"_whs\" ]; then",
            "  _whs \"$@\"",
            "elif (( $+functions[compdef] )); then",
            "  compdef _whs whs",
            "fi",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// One `_arguments` spec per name of each flag, single-quoted: `'(--memory --url)--store[...]:PATH:_whs_store'`.
    private static func specs(_ flags: [FlagSpec]) -> [String] {
        var specs: [String] = []
        for flag in flags {
            // Flags of a group exclude each other; a flag's names exclude each other; --help
            // and --version exclude everything.
            var excluded: [String]
            if flag.ending == .stop {
                excluded = ["-", "*"]
            } else {
                excluded = flags.filter { $0.group != nil && $0.group == flag.group }.flatMap(\.names)
                if flag.names.count > 1 { excluded += flag.names }
                excluded = excluded.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
            }
            let exclusion = flag.repeats || excluded.isEmpty ? "" : "(\(excluded.joined(separator: " ")))"
            for name in flag.names {
                var spec = "\(exclusion)\(flag.repeats ? "*" : "")\(name)[\(escaped(brief(flag.help)))]"
                if flag.takesValue { spec += ":\(escaped(flag.metavar)):\(action(flag.kind))" }
                specs.append(spec.singleQuoted)
            }
        }
        return specs
    }

    /// What completes a value of `kind` in an `_arguments` spec.
    private static func action(_ kind: ValueKind) -> String {
        switch kind {
        case .store: return "_whs_store"
        case .path(let suffix?): return "_files -g \"*.\(suffix)\""
        case .path(nil): return "_files"
        default:
            let words = words(kind)
            return words.isEmpty ? " " : "(\(words.map { escaped($0) }.joined(separator: " ")))"
        }
    }

    /// Text inside an `_arguments` spec: `:`, `[`, `]`, `(`, `)` and `\` escaped.
    private static func escaped(_ text: String) -> String {
        var result = ""
        for character in text {
            if ":[]()\\".contains(character) { result.append("\\") }
            result.append(character)
        }
        return result
    }
}
