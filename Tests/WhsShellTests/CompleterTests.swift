import Glibc
import Testing
import WebhookStore
import WhsLanguage
import WhsTestSupport
@testable import WhsShell

@Suite struct CompleterTests {
    let shell: Shell
    let completer: Completer

    init() throws {
        shell = Shell(service: MemoryStore().account(), out: OutputSink(capturing: ()), err: OutputSink(capturing: ()))
        let setup = try shell.interpreter.parse(SourceFile(name: nil, text: "$hook = {id: 1, url: \"u\", nested: {deep: 2}}; $host = 2"))
        for statement in setup { try shell.interpreter.run(statement) }
        completer = Completer(interpreter: shell.interpreter)
    }

    @Test(arguments: [
        ("li", "li", ["list ", "listen "]),
        ("lis", "lis", ["list ", "listen "]),
        ("trigger de", "de", ["deliver "]),
        ("mod", "mod", ["modify "]),
        ("e", "e", ["edit ", "engage ", "events ", "exit ", "explain "]),
        ("wat", "wat", ["watch "]),
        ("watch ", "", ["count=", "every=", "timeout="]),
        ("watch every=2s c", "c", ["count="]),
        ("add https://x/h events=a", "events=a", ["events=all"]),
        ("set pager ", "", ["auto", "off", "on"]),
        ("set format c", "c", ["csv"]),
        ("output hooks.csv on", "on", ["once="]),
        ("wh", "wh", ["while "]),
        ("add https://x/h ev", "ev", ["events="]),
        ("add https://x/h api_user=a ", "", ["events="]),
        ("add https://x/h events=del", "events=del", ["events=deliver"]),
        ("add https://x/h events=deliver,op", "events=deliver,op", ["events=deliver,open"]),
        ("add https://x/h event=[click, op", "op", ["open"]),
        ("add https://x/h events=s", "events=s", ["events=sent", "events=soft_bounce"]),
        ("list ", "", ["api_user=", "limit=", "offset="]),
        ("list limit=5 ", "", ["api_user=", "offset="]),
        ("send a@example.com ca", "ca", ["calendar="]),
        ("send a@example.com subject=\"s\" mi", "mi", ["mime="]),
        ("print $ho", "$ho", ["$hook", "$host"]),
        ("print $hook.u", "$hook.u", ["$hook.url"]),
        ("print $hook.nested.d", "$hook.nested.d", ["$hook.nested.deep"]),
        ("set ", "", ["api_faults ", "color ", "echo ", "event_delay ", "expanded ", "faults ", "format ", "late_delay ", "on_error ", "pager ", "payload_extras ", "retry_delays ", "signature ", "time_scale ", "timing ", "wait_timeout "]),
        ("set signature ", "", ["hmac-sha256", "md5"]),
        ("set format j", "j", ["json"]),
        ("set on_error ", "", ["continue", "stop"]),
        ("help mo", "mo", ["modify"]),
        ("history s", "s", ["save "]),
        ("if true { del", "del", ["delete ", "deliveries "]),
        ("print 1; ad", "ad", ["add "]),
        ("nosuch ", "", []),
    ])
    func completes(_ text: String, _ word: String, _ candidates: [String]) {
        let completion = completer.complete(text)
        #expect(completion.word == word)
        #expect(completion.candidates == candidates)
    }

    @Test func completesFileNames() throws {
        let directory = try TemporaryDirectory()
        close(open(directory.path + "/tour.whs", O_CREAT | O_WRONLY, 0o644))
        mkdir(directory.path + "/tours", 0o755)
        let completion = completer.complete("source \(directory.path)/tou")
        #expect(completion.candidates == ["\(directory.path)/tour.whs ", "\(directory.path)/tours/"])
        #expect(Completer.commonPrefix(completion.candidates) == "\(directory.path)/tour")
    }

    @Test func listsInColumns() {
        #expect(Completer.columns(["a", "bb", "ccc", "d"], width: 12) == "a    bb\nccc  d")
    }
}

@Suite struct HistoryTests {
    @Test func keepsFiltersAndPersists() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/state/whs/history"
        let history = History(path: path)
        #expect(history.add("list", succeeded: true))
        #expect(history.add("list", succeeded: true))         // a repeat is not written twice
        #expect(!history.add(" print 'private'", succeeded: true))
        #expect(history.add("for $i in [1] {\n  print $i\n}", succeeded: false))
        #expect(history.entries == ["list", "for $i in [1] {\n  print $i\n}"])
        #expect(history.successful == ["list", "list"])
        var info = stat()
        stat(path, &info)
        #expect(info.st_mode & 0o777 == 0o600)
        let reloaded = History(path: path)
        #expect(reloaded.entries == history.entries)
    }

    @Test func keepsAThousandEntries() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/history"
        let history = History(path: path)
        for number in 0..<(History.limit + 5) { history.add("print \(number)", succeeded: true) }
        #expect(history.entries.count == History.limit)
        #expect(history.entries.first == "print 5")
        #expect(History(path: path).entries.count == History.limit)
    }

    @Test(arguments: ["plain", "with \\ backslash", "two\nlines", "\\n literally"])
    func encodingRoundTrips(_ text: String) {
        #expect(History.decode(History.encode(text)) == text)
        #expect(!History.encode(text).contains("\n"))
    }
}
