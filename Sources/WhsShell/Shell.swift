import WebhookCore
import WhsLanguage
import WhsSupport

/// The one read-eval-print loop behind every way of running whs: a script file, `-c`, piped
/// stdin, `source`, and (with a terminal line reader) the prompt. Like psql's mainloop it is
/// re-entrant: `source` runs a file through the same code.
public final class Shell {
    public let interpreter = Interpreter()
    /// The backend every webhook command talks to.
    public var service: WebhookService
    public var settings = Settings()
    public let out: OutputSink
    public let err: OutputSink
    /// Scripts report errors and go on (`--keep-going`); the prompt always does.
    public var keepGoing = false
    /// Errors as `error: message`, without place or caret: `check` compares them with
    /// expectations, which should not break when a line is added above.
    var reportsMessagesOnly = false
    var sourceDepth = 0
    /// Builds the backend `connect` asks for.
    public var connector: ((ConnectTarget) throws -> Connection)?
    /// Builds the delivery side of the backend, on first use: a dispatcher and its HTTP client
    /// cost start-up time that most runs never need.
    public var makeEvents: (() throws -> EventDelivery)? {
        didSet { eventsIfMade = nil }
    }
    var eventsIfMade: EventDelivery?
    /// Builds the sending side on the delivery side, on first use.
    public var makeMailing: ((EventDelivery) throws -> Mailing)? {
        didSet { mailingIfMade = nil }
    }
    var mailingIfMade: Mailing?
    /// Builds the way to clear the account (`reset`), on first use.
    public var makeClearing: (() throws -> AccountClearing)? {
        didSet { clearingIfMade = nil }
    }
    var clearingIfMade: AccountClearing?
    /// True while statements typed at the prompt run (not the init script, not `source`d
    /// files): only then does `reset` ask before it deletes.
    var prompting = false
    /// Writes the statements that succeed to a script (`record FILE`).
    var recorder: Recorder?
    /// True while a `watch` runs: its runs are never paged.
    var watching = false
    /// Where shown values go instead of stdout (`output FILE`).
    var outputFile: OutputFile?
    /// What `edit` brought back from the editor, to run as if typed next.
    var editedInput: String?
    /// Starts a receiver in the background (`listen`).
    public var makeReceiver: ((ListenOptions) throws -> PushInbox)?
    var receiver: PushInbox?
    /// The receiver bench (`probe`, `repush`); nil: this whs has none.
    public var receiverTools: ReceiverTools?
    /// `whs[127.0.0.1:8080]` in the prompt; nil for the embedded default store.
    public var promptLabel: String?
    /// The prompt's history; nil when not interactive (`history` then says so).
    public var history: History?
    /// The statements of the file or `-c` text being run. Kept after the run so that a large
    /// script's syntax tree is not torn down node by node just before the process exits.
    var program: [Statement] = []
    /// NO_COLOR (no-color.org): set to anything, no colours.
    static let noColor = Environment.get("NO_COLOR") != nil
    static let maxSourceDepth = 16

    public init(service: WebhookService, out: OutputSink, err: OutputSink) {
        self.service = service
        self.out = out
        self.err = err
        for command in WebhookCommands.all(self) + DeliveryCommands.all(self) + MailCommands.all(self) + ShellCommands.all(self) + BackendCommands.all(self)
            + [HistoryCommand.spec(self), RecordCommand.spec(self), OutputCommand.spec(self), EditCommand.spec(self), ClearingCommands.reset(self)] { interpreter.install(command) }
        for function in WebhookCommands.functions { interpreter.install(function) }
        interpreter.show = { [unowned self] value in display(renderer.render(value)) }
        installWatch()
    }

    /// The delivery side of the current backend.
    func events() throws -> EventDelivery {
        if let made = eventsIfMade { return made }
        guard let makeEvents else { throw CommandFailure("this backend does not deliver events") }
        let made = try makeEvents()
        made.pushOptions = settings.push
        eventsIfMade = made
        return made
    }

    /// The sending side of the current backend.
    func mailing() throws -> Mailing {
        if let made = mailingIfMade { return made }
        guard let makeMailing else { throw CommandFailure("this backend does not send mail") }
        let made = try makeMailing(try events())
        made.eventDelay = settings.eventDelay
        made.faults = settings.faults
        made.apiFaults = settings.apiFaults
        mailingIfMade = made
        return made
    }

    /// What `wait=` asks for: `true` waits up to `set wait_timeout`, a number that many
    /// seconds. At a terminal (or with `--echo`) each attempt is shown as it happens, like
    /// `stripe listen`; Ctrl-C stops the wait, not the deliveries.
    func deliveryWait(_ value: Value?) throws -> DeliveryWait? {
        let timeout: Double
        switch value {
        case nil, .null?, .bool(false)?, .string("off")?, .string("no")?: return nil
        case .bool(true)?, .string("on")?, .string("yes")?: timeout = settings.waitTimeout
        case .int(let seconds)? where seconds > 0: timeout = Double(seconds)
        case .double(let seconds)? where seconds > 0: timeout = seconds
        case .duration(let duration)? where duration.seconds > 0: timeout = duration.seconds
        case let other?: throw CommandFailure("wait must be true, false or a duration (5s), got \(other.literal)")
        }
        let renderer = self.renderer
        let progress: ((String) -> Void)? = out.isTerminal || settings.echo ? { [out] line in
            out.line(renderer.dim(line))
            out.flush()
        } : nil
        return DeliveryWait(timeout: timeout, progress: progress, isInterrupted: { Signals.isInterruptRequested })
    }

    /// After `set`: settings that live in other parts take their new values.
    func settingsChanged() {
        eventsIfMade?.pushOptions = settings.push
        mailingIfMade?.eventDelay = settings.eventDelay
        mailingIfMade?.faults = settings.faults
        mailingIfMade?.apiFaults = settings.apiFaults
    }

    /// Deliveries this process started that have not succeeded or failed for good yet.
    public var unsettledDeliveries: Int { eventsIfMade?.unsettledCount ?? 0 }

    /// At a terminal, tables fit its width, read anew for each output so that a resize applies
    /// to the next one; elsewhere output is whole, as scripts and `whs check` expect.
    var renderer: Renderer {
        Renderer(format: settings.format, color: usesColor, width: out.isTerminal ? Terminal.columns() : nil, expanded: settings.expanded)
    }

    /// Colour by `set color`: `auto` means stdout is a terminal and NO_COLOR is unset.
    public var usesColor: Bool {
        switch settings.color {
        case .on: true
        case .off: false
        case .auto: out.isTerminal && !Shell.noColor
        }
    }

    // MARK: entry points

    /// Runs a script file whole: nothing runs if any of it fails to parse.
    public func runFile(_ path: String, arguments: [String] = []) -> Int32 {
        interpreter.set("args", .list(arguments.map { .string($0) }))
        let text: String
        do { text = try FileIO.read(path) } catch {
            report("error: cannot read script \(error)")
            return 2
        }
        return runText(text, name: path)
    }

    /// Runs a text (a file's or `-c`'s) whole: parsed first, then statement by statement.
    public func runText(_ text: String, name: String) -> Int32 {
        let statements: [Statement]
        do {
            statements = try interpreter.parse(SourceFile(name: name, text: text))
        } catch {
            report(error.diagnostic.rendered)
            return 2
        }
        program = statements
        return finish(run(statements))
    }

    /// Runs a stream (piped stdin) a statement at a time: each is read until it is complete,
    /// then parsed and run, so a long pipe needs no more memory than one statement.
    public func runStream(_ reader: LineReader, name: String) -> Int32 {
        var pending = ""
        var firstLine = 1
        var lineNumber = 0
        var firstFailure: Int32?
        while case .line(let line) = reader.read(continuation: !pending.isEmpty) {
            lineNumber += 1
            if pending.isEmpty { firstLine = lineNumber }
            pending += pending.isEmpty ? line : "\n" + line
            let statements: [Statement]
            do {
                statements = try interpreter.parse(SourceFile(name: name, text: pending, firstLine: firstLine))
            } catch {
                if case .incomplete = error { continue }
                report(error.diagnostic.rendered)
                return finish(2)
            }
            pending = ""
            switch run(statements) {
            case .finished: continue
            case .failed(let status): firstFailure = firstFailure ?? status
            case .stopped(let status), .exited(let status): return finish(status)
            }
        }
        if !pending.isEmpty {
            // The input ended inside an open bracket or string: say what was left open.
            do { _ = try interpreter.parse(SourceFile(name: name, text: pending, firstLine: firstLine)) } catch {
                report(error.diagnostic.rendered)
            }
            return finish(2)
        }
        return finish(firstFailure.map(Outcome.failed) ?? .finished)
    }

    // MARK: running statements

    enum Outcome {
        /// Everything ran.
        case finished
        /// Something failed, the run went on (`--keep-going`, `on_error continue`).
        case failed(Int32)
        /// The run stopped with this status (an error, an assertion, an interrupt).
        case stopped(Int32)
        /// `exit CODE`.
        case exited(Int32)
    }

    /// Runs statements in order. A failure stops the run unless the shell keeps going
    /// (`--keep-going`, `set on_error continue`, which a statement may change mid-run).
    func run(_ statements: [Statement]) -> Outcome {
        if let diagnostic = OutputCommand.preflight(statements) {
            report(reportsMessagesOnly ? "error: " + diagnostic.message : diagnostic.rendered)
            return .stopped(2)
        }
        var firstFailure: Int32?
        for statement in statements {
            if settings.echo { out.line("whs> " + statement.text) }
            // Timed when timing was on as it started: `set timing on` does not time itself.
            let timed = settings.timing
            let started = timed ? FileIO.monotonicSeconds() : 0
            defer { statementEnded(statement) }
            do {
                try interpreter.run(statement)
                if let recorder, statement.commandName != "record" { recorder.record(statement, interpreter: interpreter) }
            } catch {
                if case .exit(let code) = error { return .exited(code) }
                if case .interrupted = error {
                    report("interrupted")
                    return .stopped(130)
                }
                report(reportsMessagesOnly ? "error: " + error.diagnostic!.message : error.diagnostic!.rendered)
                let status = Shell.status(of: error)
                let stopOnError = !keepGoing && settings.onError == .stop
                if stopOnError || status == 130 { return .stopped(status) }
                firstFailure = firstFailure ?? status
            }
            if timed && settings.timing {
                let micros = Int(((FileIO.monotonicSeconds() - started) * 1e6).rounded())
                report("Time: \(micros / 1000).\(String(micros % 1000).leftPadded(3)) ms")
            }
        }
        return firstFailure.map(Outcome.failed) ?? .finished
    }

    /// The exit status of a failure: 1 a statement failed, 2 a syntax error, 3 an assertion,
    /// 130 an interrupt (128 + SIGINT, as shells do).
    static func status(of error: RuntimeError) -> Int32 {
        switch error {
        case .failed: 1
        case .syntax: 2
        case .assertion: 3
        case .interrupted: 130
        case .exit(let code): code
        }
    }

    func finish(_ outcome: Outcome) -> Int32 {
        out.flush()
        err.flush()
        switch outcome {
        case .finished: return 0
        case .failed(let status), .stopped(let status), .exited(let status): return status
        }
    }

    func finish(_ status: Int32) -> Int32 { finish(status == 0 ? .finished : .stopped(status)) }

    /// Writes a message to stderr, after whatever stdout holds so far.
    public func report(_ message: String) {
        out.flush()
        err.line(message)
        err.flush()
    }

    /// `source FILE`: runs a file in this session, through the same interpreter.
    func source(_ path: String) throws {
        guard sourceDepth < Shell.maxSourceDepth else {
            throw CommandFailure("files source each other more than \(Shell.maxSourceDepth) deep")
        }
        let text: String
        do { text = try FileIO.read(path) } catch { throw CommandFailure("cannot read \(error)") }
        let statements: [Statement]
        do { statements = try interpreter.parse(SourceFile(name: path, text: text)) } catch {
            throw RuntimeError.syntax(error.diagnostic)
        }
        sourceDepth += 1
        defer { sourceDepth -= 1 }
        for statement in statements { try interpreter.run(statement) }
    }
}
