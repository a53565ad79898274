import Glibc
import WebhookCore
import WhsShell
import WhsSupport

/// whs: choose what to run and on which backend, run it, exit with its status.
/// Everything else lives in the libraries.
let version = "0.1.0"

func fail(_ message: String, status: Int32) -> Never {
    let err = OutputSink(descriptor: 2)
    err.line("whs: \(message)")
    err.flush()
    exit(status)
}

func main() -> Int32 {
    let options: CommandLineOptions
    do {
        options = try CommandLineOptions.parse(Array(CommandLine.arguments.dropFirst()))
    } catch {
        fail("\(error.message)\nTry 'whs --help'.", status: 2)
    }
    let out = OutputSink(descriptor: 1)
    switch options.action {
    case .version:
        out.line("whs \(version)")
        return 0
    case .help(nil):
        out.line(CommandLineOptions.usage)
        return 0
    case .help("serve"):
        out.line(CommandLineOptions.serveUsage)
        return 0
    default:
        break
    }
    let service: WebhookService
    if case .serve(let serve) = options.action {
        return ServeCommand.run(serve, backend: options.backend)
    }
    do { service = try Backends.open(options.backend) } catch { fail("\(error)", status: 1) }
    let shell = Shell(service: service, out: out, err: OutputSink(descriptor: 2))
    shell.promptLabel = Backends.promptLabel(options.backend)
    shell.connector = { target in try Backends.connect(target) }
    shell.keepGoing = options.keepGoing
    shell.settings.echo = options.echo
    if options.json { shell.settings.format = .json }
    switch options.action {
    case .help(let topic?):
        return shell.runText("help \(topic)", name: "help")
    case .file(let path, let arguments):
        return shell.runFile(path, arguments: arguments)
    case .command(let text):
        return shell.runText(text, name: "-c")
    default:
        if let interactive = interactiveSession(shell, options) { return interactive }
        return shell.runStream(StreamLineReader(descriptor: 0), name: "<stdin>")
    }
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
