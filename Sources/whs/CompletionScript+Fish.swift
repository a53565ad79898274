/// fish: `complete` lines, each under a condition that names the subcommand being completed
/// (none at the top level). Files are offered only where a file is asked.
extension CompletionScript {
    static var fish: String {
        let subcommands = subcommandNames.joined(separator: " ")
        let topValued = top.flags.filter(\.takesValue).flatMap(\.names).joined(separator: " ")
        var lines = [
            "# fish completion for whs, written by `whs completion fish` from whs's command-line table:",
            "# subcommands, flags and their values, .whs scripts. Do not edit: run it again.",
            "#   whs completion fish | source     (or install it as vendor_completions.d/whs.fish)",
            "",
            "# The subcommand being completed: the first word after whs, when it is one.",
            "function __whs_subcommand",
            "    set -l words (commandline -opc)",
            "    if test (count $words) -ge 2; and contains -- $words[2] \(subcommands)",
            "        echo $words[2]",
            "    end",
            "end",
            "",
            "# Whether the subcommand being completed is NAME ('' for none).",
            "function __whs_in --argument-names name",
            "    set -l current (__whs_subcommand)",
            "    test \"$current\" = \"$name\"",
            "end",
            "",
            "# How many words at the top level are neither flags nor their values: 0 while the",
            "# script is wanted, more for the script's arguments; -1 under a subcommand.",
            "function __whs_operands",
            "    set -l words (commandline -opc)",
            "    if test (count $words) -ge 2; and contains -- $words[2] \(subcommands)",
            "        echo -1",
            "        return",
            "    end",
            "    set -l skip 0",
            "    set -l count 0",
            "    for word in $words[2..-1]",
            "        if test $skip = 1",
            "            set skip 0",
            "        else if contains -- $word \(topValued)",
            "            set skip 1",
            "        else if not string match -q -- '-*' $word",
            "            set count (math $count + 1)",
            "        end",
            "    end",
            "    echo $count",
            "end",
            "",
            "# SUFFIX: the files that end in .SUFFIX, and folders.",
            "function __whs_files --argument-names suffix",
            "    for file in (commandline -ct)*",
            "        if test -d $file",
            "            echo $file/",
            "        else if string match -q -- \"*.$suffix\" $file",
            "            echo $file",
            "        end",
            "    end",
            "end",
            "",
            "complete -c whs -f",
        ]
        for subcommand in CommandLineTable.subcommands {
            lines.append("complete -c whs -n '__fish_is_first_arg' -a \(subcommand.name) -d \(brief(subcommand.summary).fishQuoted)")
        }
        lines.append("complete -c whs -n 'test (__whs_operands) = 0' -a '(__whs_files whs)'")
        lines.append("complete -c whs -n 'test (__whs_operands) -ge 1' -F")
        for context in contexts {
            let condition = "-n \("__whs_in \(context.name.isEmpty ? "''" : context.name)".fishQuoted)"
            lines.append("")
            for flag in context.flags {
                var line = "complete -c whs \(condition)"
                for name in flag.names {
                    line += name.hasPrefix("--") ? " -l \(name.dropFirst(2))" : " -s \(name.dropFirst())"
                }
                if flag.takesValue { line += " " + valueOptions(flag.kind) }
                line += " -d \(brief(flag.help).fishQuoted)"
                lines.append(line)
            }
            for operand in context.operands where !context.name.isEmpty {
                lines.append("complete -c whs \(condition) \(valueOptions(operand.kind))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// How `complete` offers a value of `kind`: `-x` (a value, no files) with words, or `-r -F`
    /// (files).
    private static func valueOptions(_ kind: ValueKind) -> String {
        switch kind {
        case .store: return "-r -F -a 'postgres://'"
        case .path(let suffix?): return "-x -a \("(__whs_files \(suffix))".fishQuoted)"
        case .path(nil): return "-r -F"
        default:
            let words = words(kind)
            return words.isEmpty ? "-x" : "-x -a \(words.joined(separator: " ").fishQuoted)"
        }
    }
}

extension String {
    /// In single quotes for fish, where `\'` and `\\` are the escapes.
    var fishQuoted: String {
        var result = "'"
        for character in self {
            if character == "'" || character == "\\" { result.append("\\") }
            result.append(character)
        }
        return result + "'"
    }
}
