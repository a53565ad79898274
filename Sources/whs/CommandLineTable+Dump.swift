/// `whs dump` in the command-line table (docs/OPERATIONS.md, "Dump and seed").
extension CommandLineTable {
    static let dump = Subcommand(
        "dump", summary: "print an account's webhooks and templates as a .whs script that recreates them (for --seed)",
        description: """
            Prints a script that gives a store the account's webhooks and templates, and changes
            nothing when they are there already (a webhook is added when its url is missing for
            its api_user, its events set when they differ; a template is put when it differs).
            whs serve --seed FILE runs it on every start; whs --url URL FILE runs it against a
            server. The account is --account NAME, else the store's only account with webhooks or
            templates, else the shell's own (local).

            Users and API keys are not in it (they stay in --user and $WHS_USERS; keys are kept
            hashed), nor is the app key: the script's `# app key: $WHS_APP_KEY_ACCOUNT` line names
            the variable whs serve --seed takes it from (or give it with --app-key ACCOUNT:KEY).
            """,
        exitStatus: "0 printed, 1 the store failed, 2 a bad command line, no such store, or several accounts and no --account",
        start: { () -> String? in nil },
        flags: [
            .value("--account", "NAME", .text, "the account to dump (default: the store's only one, else local)") { $0 = $1 },
            .store("the store to read: a SQLite file or postgres://USER:PASSWORD@HOST:PORT/DB (default: $WHS_STORE, else the default store)"),
            .memory("an empty in-memory store (an empty script)"),
        ],
        finish: { account, operands throws(CommandLineOptions.UsageError) in
            try noOperands("dump", operands)
            return .dump(account: account)
        }
    )
}
