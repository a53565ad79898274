/// bash: a function for `complete -F`, with bash-completion's helpers when they are loaded
/// (`_init_completion`, `_filedir`) and bash's own words when not. Only bash 3 constructs, and
/// nothing runs in a shell that is not bash: sourced anywhere, it completes or does nothing.
extension CompletionScript {
    static var bash: String {
        var lines = [
            "# bash completion for whs, written by `whs completion bash` from whs's command-line table:",
            "# subcommands, flags and their values, .whs scripts. Do not edit: run it again.",
            "#   source <(whs completion bash)     (or install it as bash-completion's completions/whs)",
            "# In a shell that is not bash it does nothing; without bash-completion it still completes.",
            "[ -n \"${BASH_VERSION-}\" ] || return 0 2>/dev/null || exit 0",
            "",
            "# WORDS: those that start with the word being completed.",
            "_whs_words() {",
            "    local IFS=$' \\t\\n'",
            "    COMPREPLY=(\"${COMPREPLY[@]}\" $(compgen -W \"$1\" -- \"$cur\"))",
            "}",
            "",
            "# SUFFIX: files that end in .SUFFIX (any file when empty), and folders.",
            "_whs_files() {",
            "    if declare -F _filedir >/dev/null 2>&1; then",
            "        if [ -n \"$1\" ]; then _filedir \"$1\"; else _filedir; fi",
            "        return 0",
            "    fi",
            "    local IFS=$'\\n'",
            "    if [ -n \"$1\" ]; then",
            "        COMPREPLY=(\"${COMPREPLY[@]}\" $(compgen -d -- \"$cur\") $(compgen -f -X \"!*.$1\" -- \"$cur\"))",
            "    else",
            "        COMPREPLY=(\"${COMPREPLY[@]}\" $(compgen -f -- \"$cur\"))",
            "    fi",
            "    type compopt >/dev/null 2>&1 && compopt -o filenames 2>/dev/null",
            "    return 0",
            "}",
            "",
            "# A store: a SQLite file, or a PostgreSQL URL.",
            "_whs_store() {",
            "    _whs_words 'postgres://'",
            "    _whs_files ''",
            "}",
        ]
        for context in contexts {
            let id = context.name.isEmpty ? "top" : context.name
            let names = context.flags.flatMap(\.names)
            let valued = context.flags.filter(\.takesValue).flatMap(\.names)
            lines += [
                "",
                "# whs\(context.name.isEmpty ? "" : " " + context.name)",
                "_whs_flags_\(id)=\(names.joined(separator: " ").singleQuoted)",
                "_whs_valued_\(id)=\(valued.joined(separator: " ").singleQuoted)",
                "_whs_value_\(id)() {",
                "    case $1 in",
            ]
            for flag in context.flags where flag.takesValue {
                lines.append("        \(flag.names.joined(separator: "|"))) \(action(flag.kind)) ;;")
            }
            lines += ["        *) return 1 ;;", "    esac", "}", "_whs_operand_\(id)() {", "    case $1 in"]
            for (index, operand) in context.operands.enumerated() {
                let label = operand.repeats && index == context.operands.count - 1 ? "*" : "\(index)"
                let subcommands = context.name.isEmpty && index == 0
                    ? "[ \"$cword\" -eq 1 ] && _whs_words \(subcommandNames.joined(separator: " ").singleQuoted); " : ""
                lines.append("        \(label)) \(subcommands)\(action(operand.kind)) ;;")
            }
            lines += ["    esac", "}"]
        }
        let subcommands = subcommandNames.joined(separator: "|")
        lines += [
            "",
            "_whs() {",
            "    local cur prev words cword split",
            "    if declare -F _init_completion >/dev/null 2>&1; then",
            "        _init_completion -s -n : || return 0",
            "    else",
            "        # bash's own words: = (and :) are words of their own.",
            "        COMPREPLY=()",
            "        words=(\"${COMP_WORDS[@]}\")",
            "        cword=$COMP_CWORD",
            "        cur=${COMP_WORDS[COMP_CWORD]}",
            "        prev=${COMP_WORDS[COMP_CWORD-1]}",
            "        if [ \"$cur\" = \"=\" ]; then",
            "            cur=",
            "        elif [ \"$prev\" = \"=\" ] && [ \"$cword\" -gt 1 ]; then",
            "            prev=${COMP_WORDS[COMP_CWORD-2]}",
            "        fi",
            "    fi",
            "    # A subcommand is the first word; after an option the first word is a script.",
            "    local ctx=top first=1",
            "    if [ \"$cword\" -gt 1 ]; then",
            "        case ${words[1]} in",
            "            \(subcommands)) ctx=${words[1]}; first=2 ;;",
            "        esac",
            "    fi",
            "    if [ \"$cword\" -ge \"$first\" ] && _whs_value_$ctx \"$prev\"; then",
            "        :",
            "    elif [[ $cur == -* ]]; then",
            "        local flags=_whs_flags_$ctx",
            "        _whs_words \"${!flags}\"",
            "    else",
            "        # Which operand: the words before this one that are neither flags nor their values.",
            "        local i=$first n=0 w valued=_whs_valued_$ctx",
            "        while [ \"$i\" -lt \"$cword\" ]; do",
            "            w=${words[i]}",
            "            case $w in",
            "                --) ;;",
            "                -?*)",
            "                    case \" ${!valued} \" in",
            "                        *\" $w \"*)",
            "                            i=$((i + 1))",
            "                            [ \"${words[i]-}\" = \"=\" ] && i=$((i + 1)) ;;",
            "                    esac ;;",
            "                *) n=$((n + 1)) ;;",
            "            esac",
            "            i=$((i + 1))",
            "        done",
            "        _whs_operand_$ctx \"$n\"",
            "    fi",
            "    if [[ $cur == *:* ]] && declare -F __ltrim_colon_completions >/dev/null 2>&1; then",
            "        __ltrim_colon_completions \"$cur\"",
            "    fi",
            "    return 0",
            "}",
            "complete -F _whs whs 2>/dev/null || true",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The bash statement that completes a value of `kind`.
    private static func action(_ kind: ValueKind) -> String {
        switch kind {
        case .store: return "_whs_store"
        case .path(let suffix): return "_whs_files \((suffix ?? "").singleQuoted)"
        default:
            let words = words(kind)
            return words.isEmpty ? ":" : "_whs_words \(words.joined(separator: " ").singleQuoted)"
        }
    }
}
