import WhsLanguage
import WhsShell

/// `whs man language`: whs-language(7). The commands, their arguments, the functions and the
/// settings come from the shell's own tables, the ones that dispatch, complete and answer
/// `help`; only the syntax is written here (docs/LANGUAGE.md says it at length).
extension ManPage {
    static var language: String {
        let shell: Shell
        do { shell = makeShell(try Backends.connect(.memory), out: OutputSink(capturing: ()), err: OutputSink(capturing: ())) } catch {
            fail("man: \(error)", status: 1)
        }
        return languagePage(shell.interpreter)
    }

    static func languagePage(_ interpreter: Interpreter) -> String {
        var page = Roff()
        page.header("WHS\\-LANGUAGE", section: 7, manual: "Miscellaneous Information Manual")
        page.section("NAME")
        page.raw("whs\\-language \\- the language of the whs shell and its scripts")
        page.section("SYNOPSIS")
        page.raw(".nf")
        for form in CommandLineTable.forms.map(\.usage) { page.raw(Roff.synopsis(form)) }
        page.raw(".fi")
        for (title, text) in syntax {
            page.section(title)
            page.paragraphs(text)
        }
        page.section("COMMANDS")
        page.paragraphs("The commands of the shell, as `help` lists them; `help COMMAND` says the same of one. "
                        + "Arguments are `name=value`; the first positional arguments fill the names the usage shows.")
        for command in interpreter.commands.values.sorted(by: { $0.name < $1.name }) {
            page.tagged("\\fB\(Roff.escaped(command.usage))\\fR", command.summary)
            if !command.arguments.isEmpty {
                page.raw(".RS")
                for argument in command.arguments {
                    let aliases = argument.aliases.isEmpty ? "" : " (also \(argument.aliases.map { $0 + "=" }.joined(separator: ", ")))"
                    page.tagged("\\fI\(Roff.escaped(argument.name))=\\fR", argument.summary + aliases)
                }
                page.raw(".RE")
            }
        }
        page.section("FUNCTIONS")
        page.paragraphs("Called in expressions, as `len($x)`; `help functions` lists them with the procedures a session defined.")
        for function in interpreter.functions.values.sorted(by: { $0.name < $1.name }) {
            // "len(x): items of a list ..." is the call, then what it gives.
            let parts = function.signature.split(separator: ":", maxSplits: 1)
            let call = parts.count == 2 && parts[0].hasPrefix(function.name) ? String(parts[0]) : function.name + "()"
            let what = parts.count == 2 ? String(parts[1].drop { $0 == " " }) : function.signature
            page.tagged("\\fB\(Roff.escaped(call))\\fR", what)
        }
        page.section("SETTINGS")
        page.paragraphs("`set NAME VALUE` changes one, `set NAME` shows it, `set` lists them all. The values each takes "
                        + "(or examples of them, for those that take numbers and lists):")
        for setting in Settings.choices {
            page.tagged("\\fB\(Roff.escaped(setting.name))\\fR", setting.values.joined(separator: ", "))
        }
        page.section("SEE ALSO")
        page.raw("\\fBwhs\\fR(1). In the source: docs/LANGUAGE.md (the language at length), docs/SHELL.md, docs/DELIVERY.md, docs/SENDING.md.")
        return page.text
    }

    /// The syntax: the one part of this page not taken from a table.
    static let syntax: [(String, String)] = [
        ("DESCRIPTION", """
            One language for the prompt, -c, piped stdin and .whs files. A statement is a command
            and its arguments, as a person would type it; a script can also keep values in
            variables, loop, branch and assert:
              #!/usr/bin/env whs
              $hook = add https://example.com/hooks/email events=deliver,open api_user=alice
              print "created webhook ${hook.id} for ${hook.url}"
              modify $hook.id events=[click, open, 32]
              assert (list).total >= 1, "expected at least one webhook"
              for $w in (list).result {
                if $w.url == "https://example.com/hooks/email" { delete $w.id }
              }
            """),
        ("LEXICAL RULES", """
            Source is UTF-8. # at the start of a line or after white space (or ;) starts a comment
            to the end of the line, so a #! first line is a comment and a URL keeps its #fragment.
            A statement ends at a newline or ;. Inside ( ), [ ], an object's { } or a string a
            newline does not end it, nor does a \\ at the end of a line; at the prompt such a
            statement continues on the next line.

            Names are a letter or _, then letters, digits and _. The keywords are if elif else for
            in while break continue assert and or not true false null; def, return, sleep, wait and
            watch begin statements too, and watch and output are no procedure's name. Variables are $name; $_ is the value of the last
            statement, $error the message of the last error, $args the words after a script's name.

            Numbers are 64-bit integers (42, -7) and decimals (1.5). Durations are a number with a
            unit right after it: 250ms, 5s, 2m, 1h, 1.5s. Strings in double quotes take the escapes
            \\n \\t \\r \\\\ \\" \\' \\$ \\u{1F600} and interpolate $name and ${expression}; in single quotes
            they are raw (only \\' and \\\\ are escapes). Where a value is expected, a word that is not a
            number, a variable, a string, a bracket or a call is a string (a bareword):
            api_user=alice, url=https://example.com/h?a=1, [deliver, open], /tmp/hooks.whs.
            """),
        ("VALUES", """
            null, booleans, integers, decimals, strings, lists [1, "a"], objects {id: 1, "x y": 2}
            (keys keep their order), durations and secrets. A secret is a string shown as dots in
            every output, in JSON and history; reveal($s) gives its text back. Null, false, 0, "",
            [] and {} are false. A webhook is {url, event, api_user, id}; a page from list is
            {result, count, total}.
            """),
        ("STATEMENTS", """
            A command with arguments runs it and shows its value (unless null). $x = ... assigns,
            and shows nothing. An expression alone is shown.
              if COND { ... } elif COND { ... } else { ... }
              for $x in LIST-OR-OBJECT { ... }        (an object's keys)
              while COND { ... }                      break and continue inside loops
              assert COND[, MESSAGE]                  fails with status 3 when COND is false
              sleep DURATION
              wait COND [timeout=DURATION] [every=DURATION]
              def name($a, $b) { ... return VALUE }   a procedure, called as name(1, 2)
              watch [every=DURATION] [count=N] [timeout=DURATION] { ... }
                                                      the block again and again; a script needs
                                                      count= or timeout=
            Blocks do not open a scope, but a procedure's parameters and the variables it assigns
            are its own while it runs (as a shell's local). source FILE runs a library of procedures.
            """),
        ("EXPRESSIONS", """
            By precedence, lowest first: or; and; not; == != < <= > >= in; + -; * / %; unary -;
            then .name and [index] (negative counts from the end). + also joins strings and lists;
            in finds an item in a list, a key in an object, a part of a string. A command's value is
            used in an expression through parentheses: (list limit=1).total. and and or give the
            operand that decided; comparisons do not chain.
            """),
        ("ERRORS", """
            A syntax error names the place and what was expected, and runs nothing: a script and a
            -c text are parsed whole first (status 2). In a script the first error stops the run
            with status 1 (3 for an assertion), unless --keep-going or set on_error continue. A
            statement that fails changes nothing. Unknown commands, functions and argument names
            are syntax errors, with a "did you mean" where one is close.
            """),
    ]
}
