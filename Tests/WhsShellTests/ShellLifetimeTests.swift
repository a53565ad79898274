import Testing
import WebhookStore
import WhsShell
import WhsSupport

/// A shell and everything it made go away when it is released (the fuzzer makes one per input:
/// found by LeakSanitizer, commands held the shell that holds them).
@Suite struct ShellLifetimeTests {
    @Test func aReleasedShellIsFreedAfterRunningEveryKindOfStatement() {
        weak var released: Shell?
        do {
            let sink = OutputSink(capturing: ())
            let shell = Shell(service: MemoryStore().account(), out: sink, err: sink)
            shell.keepGoing = true
            _ = shell.runText("""
                $h = add https://example.com/a events=deliver
                list
                print len((list).result)
                set format json
                vars
                help add
                explain add https://example.com/b
                """, name: "t.whs")
            released = shell
            #expect(sink.captured?.contains("https://example.com/a") == true)
        }
        #expect(released == nil)
    }
}
