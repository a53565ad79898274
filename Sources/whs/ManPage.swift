/// `whs man`: the manual page whs(1) in roff, written from the command-line table: every form,
/// subcommand and flag, with the help `--help` shows. What is not in the table (environment,
/// files, examples) is here, once.
enum ManPage {
    static var whs: String {
        var page = Roff()
        page.header("WHS", section: 1, manual: "User Commands")
        page.section("NAME")
        page.raw("whs \\- a shell for the EngageLab Email webhook API, and an emulator of it")
        page.section("SYNOPSIS")
        let forms = CommandLineTable.forms.map(\.usage)
            + CommandLineTable.subcommands.map { "whs \($0.name) " + CommandLineHelp.shortSynopsis($0) }
            + ["whs --version"]
        page.raw(".nf")
        for form in forms { page.raw(Roff.synopsis(form)) }
        page.raw(".fi")
        page.section("DESCRIPTION")
        page.paragraphs(CommandLineTable.description)
        page.section("OPTIONS")
        for flag in CommandLineTable.options.map(\.spec) { page.tagged(Roff.flag(flag), flag.help) }
        page.section("COMMANDS")
        page.paragraphs("Each is the first word: after an option, the word is a script's name. "
                        + "`whs NAME --help` prints what this section says of NAME.")
        for subcommand in CommandLineTable.subcommands {
            page.subsection("whs \(subcommand.name)")
            let synopsis = CommandLineHelp.synopsis(subcommand).joined(separator: " ").split(separator: " ").dropFirst().joined(separator: " ")
            page.raw(".PP")
            page.raw(Roff.synopsis(synopsis))
            page.paragraphs(subcommand.description)
            for flag in subcommand.flags { page.tagged(Roff.flag(flag), flag.help + (flag.repeats ? " (may be given more than once)" : "")) }
            if let exit = subcommand.exitStatus { page.paragraphs("Exit status: " + exit + ".") }
        }
        page.section("ENVIRONMENT")
        for (name, text) in environment { page.tagged("\\fB\(name)\\fR", text) }
        page.section("FILES")
        for (name, text) in files { page.tagged("\\fI\(Roff.escaped(name))\\fR", text) }
        page.section("EXIT STATUS")
        page.paragraphs(CommandLineTable.exitStatus.prefix(1).uppercased() + CommandLineTable.exitStatus.dropFirst()
                        + ". The subcommands' own are under COMMANDS.")
        page.section("EXAMPLES")
        for (what, commands) in examples {
            page.paragraphs(what)
            page.example(commands)
        }
        page.section("SEE ALSO")
        page.raw("\\fBwhs\\-language\\fR(7): the language. \\fBsqlite3\\fR(1), \\fBpsql\\fR(1). In the source: docs/CLI.md, docs/LANGUAGE.md, "
                 + "docs/SERVER.md, docs/DELIVERY.md, docs/SENDING.md, docs/SCALING.md, docs/FIDELITY.md.")
        return page.text
    }

    /// Every variable whs reads (StorePaths, Backends, History, Shell, ServeCommand, the bench).
    static let environment: [(String, String)] = [
        ("WHS_STORE", "the store when --store is not given: a path, or a postgres:// URL (which keeps the password out of ps and history)"),
        ("WHS_USERS", "whs serve's users, ACCOUNT:API_USER:API_KEY separated by commas, as --user takes them"),
        ("WHS_API_KEY", "the API key for --url; asked for at a terminal when it is not set"),
        ("WHS_APP_KEY", "the key whs listen checks signatures with, and whs probe and whs repush sign with, when --app-key is not given"),
        ("WHS_APP_KEYS", "whs serve's app keys, ACCOUNT:KEY separated by commas, as its --app-key takes them"),
        ("WHS_METRICS_TOKEN", "whs serve's --metrics-token when it is not given: the bearer token GET /metrics answers"),
        ("WHS_SEAL_KEY", "64 hex digits: the key that seals app keys in a shared PostgreSQL store, when --seal-key-file is not given"),
        ("WHS_HISTORY", "the prompt's history file, instead of $XDG_STATE_HOME/whs/history"),
        ("WHS_PAGER", "the pager for output taller than the screen at the prompt, before $PAGER (default less -FRX; set pager off)"),
        ("PAGER", "the pager when $WHS_PAGER is not set"),
        ("VISUAL", "the editor of edit and Ctrl-X Ctrl-E at the prompt, before $EDITOR (default vi)"),
        ("EDITOR", "the editor when $VISUAL is not set"),
        ("TMPDIR", "where edit makes its private folder (default /tmp)"),
        ("SSL_CERT_FILE", "the CA certificates (PEM) an https --url is checked against when --ca-file is not given"),
        ("NO_COLOR", "set (to anything): no colours; otherwise colours only when stdout is a terminal (set color on, off or auto)"),
        ("XDG_DATA_HOME", "the default store and the shared store's sealing key are in $XDG_DATA_HOME/whs (default ~/.local/share/whs)"),
        ("XDG_CONFIG_HOME", "the init script is $XDG_CONFIG_HOME/whs/init.whs (default ~/.config/whs/init.whs)"),
        ("XDG_STATE_HOME", "the history is $XDG_STATE_HOME/whs/history (default ~/.local/state/whs/history)"),
        ("HOME", "where the XDG folders are when their variables are not set"),
    ]

    static let files: [(String, String)] = [
        ("~/.local/share/whs/store.sqlite", "the default store, created with mode 0600 in a folder of mode 0700 on first use"),
        ("STORE.key", "next to a SQLite store (store.sqlite.key): the key its app keys are sealed with (mode 0600); keep it with the store"),
        ("~/.local/share/whs/postgres-seal.key", "the key that seals app keys in a shared PostgreSQL store, made on first use; every node of one database needs the same"),
        ("~/.config/whs/init.whs", "run at the start of an interactive session (never for a script, -c or piped input); --no-init skips it"),
        ("~/.local/state/whs/history", "the prompt's history (mode 0600, the last 1000 statements; none that holds a secret)"),
    ]

    static let examples: [(String, [String])] = [
        ("Add a webhook and list them, on the default store:",
         ["whs -c 'add https://example.com/hook events=deliver,open api_user=alice'", "whs --json -c 'list' | jq .total"]),
        ("Run a script with arguments, or stop at its first failure in CI:",
         ["whs onboarding.whs alice", "whs --memory --keep-going tests.whs"]),
        ("Serve the API with one user, pushing events with quick retries:",
         ["whs serve --memory --port 8080 --user acme:alice:secret --retry-delays 1,2,5"]),
        ("Receive the pushes, checking their signatures, and grade a receiver of your own:",
         ["whs listen --port 8088 --app-key KEY", "whs probe http://127.0.0.1:8000/webhook --app-key KEY"]),
        ("A container's health check:", ["whs health http://127.0.0.1:8080"]),
        ("Completion for the running shell, and this page:",
         ["source <(whs completion bash)", "whs man | man -l -"]),
    ]
}
