import WhsLanguageServer
import WhsShell

/// `whs lsp`: the language server, given the command table of a shell on a memory store. The
/// shell is only the table's owner: the server parses with its interpreter and runs nothing.
enum LanguageServerCommand {
    static func run() -> Int32 {
        let shell: Shell
        do { shell = makeShell(try Backends.connect(.memory), out: OutputSink(capturing: ()), err: OutputSink(capturing: ())) } catch {
            fail("lsp: \(error)", status: 1)
        }
        return LanguageServer(interpreter: shell.interpreter, version: version).run()
    }
}
