import Glibc
import ReceiverBench
import WebhookCore
import WebhookDelivery
import WhsShell
import WhsSupport

/// whs: choose what to run and on which backend, run it, exit with its status.
/// Everything else lives in the libraries.
/// The version from the file VERSION, stamped at build time (scripts/stamp-version).
let version = BuildStamp.version

func fail(_ message: String, status: Int32) -> Never {
    let err = OutputSink(descriptor: 2)
    err.line("whs: \(message)")
    err.flush()
    exit(status)
}

/// Lets SIGTERM and SIGINT reach this thread and every thread it makes from now on. A process
/// can start with them blocked (the mask is inherited through exec: the Swift test runner's
/// threads block them); then `whs serve` never saw its stop and Ctrl-C never reached the shell.
func unblockStopSignals() {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGTERM)
    sigaddset(&set, SIGINT)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
}

func main() -> Int32 {
    unblockStopSignals()
    let options: CommandLineOptions
    do {
        options = try CommandLineOptions.parse(Array(CommandLine.arguments.dropFirst()))
    } catch {
        // A subcommand is always the first word: its own help says more than the overview.
        let first = CommandLine.arguments.dropFirst().first
        let help = first.flatMap(CommandLineTable.subcommand).map { "whs \($0.name) --help" } ?? "whs --help"
        fail("\(error.message)\nTry '\(help)'.", status: 2)
    }
    let out = OutputSink(descriptor: 1)
    switch options.action {
    case .version:
        out.line("whs \(version) (\(BuildStamp.commit), built \(BuildStamp.date))")
        return 0
    case .help(nil):
        out.line(CommandLineHelp.overview)
        return 0
    case .help(let topic?) where CommandLineTable.subcommand(topic) != nil:
        out.line(CommandLineHelp.text(for: CommandLineTable.subcommand(topic)!))
        return 0
    case .completion(let shell):
        out.write(CompletionScript.text(for: shell))
        return 0
    case .man(let page):
        out.write(page == nil ? ManPage.whs : ManPage.language)
        return 0
    case .health(let url):
        return HealthCommand.run(url)
    case .lsp:
        return LanguageServerCommand.run()
    case .dump(let account):
        return DumpCommand.run(account: account, backend: options.backend)
    case .listen(let listen):
        return ListenCommand.run(listen)
    case .probe(let probe):
        return ProbeCommand.run(probe, backend: options.backend)
    case .repush(let repush):
        return RepushCommand.run(repush, backend: options.backend)
    case .play(let play):
        return DemoCommands.play(play, out: out)
    case .check(let check):
        return DemoCommands.check(check, out: out)
    default:
        break
    }
    if case .serve(let serve) = options.action {
        return ServeCommand.run(serve, backend: options.backend)
    }
    Backends.caFile = options.caFile
    let connection: Connection
    do { connection = try Backends.open(options.backend) } catch { fail("\(error)", status: 1) }
    let shell = makeShell(connection, out: out, err: OutputSink(descriptor: 2))
    shell.keepGoing = options.keepGoing
    shell.settings.echo = options.echo
    if options.json { shell.settings.format = .json }
    if options.csv { shell.settings.format = .csv }
    let status: Int32
    switch options.action {
    case .help(let topic?):
        status = shell.runText("help \(topic)", name: "help")
    case .file(let path, let arguments):
        status = shell.runFile(path, arguments: arguments)
    case .command(let text):
        status = shell.runText(text, name: "-c")
    default:
        status = interactiveSession(shell, options) ?? shell.runStream(StreamLineReader(descriptor: 0), name: "<stdin>")
    }
    noteUnsettledDeliveries(shell, memory: options.backend == .memory)
    return status
}

/// A shell on a backend, able to switch (`connect`), deliver and listen.
func makeShell(_ connection: Connection, out: OutputSink, err: OutputSink) -> Shell {
    let shell = Shell(service: connection.service, out: out, err: err)
    shell.promptLabel = connection.label
    shell.makeEvents = connection.makeEvents
    shell.makeMailing = connection.makeMailing
    shell.makeClearing = connection.makeClearing
    shell.makeReceiver = { options in
        let receiver = try BenchTools.receiver(options)
        try receiver.start()
        return receiver
    }
    shell.receiverTools = BenchTools()
    shell.connector = { target in try Backends.connect(target) }
    return shell
}

/// Deliveries still under way when whs exits are not waited for (`trigger ... wait=true`
/// waits); say what becomes of them.
func noteUnsettledDeliveries(_ shell: Shell, memory: Bool) {
    let count = shell.unsettledDeliveries
    guard count > 0 else { return }
    let what = "\(count) deliver\(count == 1 ? "y is" : "ies are") not finished"
    shell.report(memory
        ? "whs: \(what) and are lost with the memory store (trigger ... wait=true waits for them)"
        : "whs: \(what); they resume the next time this store delivers (trigger, or whs serve)")
}

/// The prompt, when stdin and stdout are both terminals; nil otherwise (piped input runs as a
/// script, with no prompt and no history, so transcripts are the same on every machine).
func interactiveSession(_ shell: Shell, _ options: CommandLineOptions) -> Int32? {
    // \u{1} brackets the colour codes so that libedit does not count them as columns.
    let style = { [unowned shell] (text: String) in shell.usesColor ? "\u{1}\u{1B}[1;36m\u{1}\(text)\u{1}\u{1B}[0m\u{1} " : text + " " }
    let completer = Completer(interpreter: shell.interpreter)
    let prompt = { [unowned shell] (continuation: Bool) -> String in
        let label = shell.promptLabel ?? "whs"
        return style(continuation ? String(repeating: " ", count: max(0, label.count - 3)) + "...>" : label + ">")
    }
    guard let reader = EditLineReader(prompt: prompt, complete: completer.complete) else { return nil }
    let banner = options.quiet ? nil : "whs \(version) on \(shell.service.backendDescription). Type help for the commands, Ctrl-D to leave."
    return shell.runInteractive(reader, history: History(path: History.defaultPath), banner: banner,
                                initScript: options.noInit ? nil : StorePaths.initScript)
}

exit(main())
