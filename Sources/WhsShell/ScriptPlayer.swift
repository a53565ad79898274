import Glibc
import WhsLanguage
import WhsSupport

/// `whs play FILE`: a script replayed as if typed at the prompt, for an audience (docs/DEMOS.md).
/// Captions (`#> text`) appear between statements; each statement is typed at `pace`, then
/// run, its real output shown. `--cast` writes the same as an asciicast v2 recording.
public final class ScriptPlayer {
    public struct Options {
        /// Milliseconds per typed character; 0 types instantly.
        public var pace = 30
        /// Wait for Enter before each statement.
        public var step = false
        public var castPath: String?
        /// `--svg`: an animated image of the play; `--size`: its frame, else from the demo.
        public var svgPath: String?
        public var svgSize: (columns: Int, rows: Int)?
        public init() {}
    }

    let shell: Shell
    let options: Options
    let cast: CastWriter?
    let svg: SVGRecording?
    let styled: Bool

    /// `shell` writes to the terminal through its sinks; the player hooks them for the cast.
    public init(shell: Shell, options: Options) throws {
        self.shell = shell
        self.options = options
        cast = try options.castPath.map { try CastWriter(path: $0, title: nil) }
        svg = options.svgPath.map { SVGRecording(path: $0, size: options.svgSize) }
        // An image shows the colours a terminal would, wherever the play is written.
        if svg != nil { shell.settings.color = .on }
        styled = shell.usesColor
        if cast != nil || svg != nil {
            let (cast, svg) = (cast, svg)
            shell.out.observer = { cast?.output($0); svg?.output($0) }
            shell.err.observer = { cast?.output($0); svg?.output($0) }
        }
    }

    /// Plays the file; the exit status is the first failure's, as with `--keep-going`.
    public func play(path: String) -> Int32 {
        let text: String
        do { text = try FileIO.read(path) } catch {
            shell.report("error: cannot read script \(error)")
            return 2
        }
        let layout: ScriptLayout
        do { layout = try ScriptLayout(text: text, name: path, interpreter: shell.interpreter) } catch {
            shell.report(error.diagnostic.rendered)
            return 2
        }
        shell.keepGoing = true
        var firstFailure: Int32 = 0
        for step in layout.steps {
            for text in step.captions { emit(caption(text)) }
            if options.step { waitForEnter() }
            type(step.statement.text)
            switch shell.run([step.statement]) {
            case .finished: break
            case .failed(let status), .stopped(let status): if firstFailure == 0 { firstFailure = status }
            case .exited(let status):
                shell.out.flush()
                finishRecordings()
                return status
            }
            shell.out.flush()
        }
        for text in layout.closingCaptions { emit(caption(text)) }
        return finishRecordings() ? firstFailure : 1
    }

    /// Writes out the recordings; false when the image could not be written (said on stderr).
    @discardableResult
    func finishRecordings() -> Bool {
        cast?.finish()
        do { try svg?.finish() } catch {
            shell.report("error: cannot write the image: \(error)")
            return false
        }
        return true
    }

    func caption(_ text: String) -> String {
        styled ? "\u{1B}[1;33m# \(text)\u{1B}[0m\n" : "# \(text)\n"
    }

    func prompt(continuation: Bool) -> String {
        let text = continuation ? "...> " : "whs> "
        return styled ? "\u{1B}[1;36m\(text.dropLast())\u{1B}[0m " : text
    }

    /// The prompt, then the statement a character at a time, then Enter.
    func type(_ statement: String) {
        emit(prompt(continuation: false))
        for character in statement {
            if character == "\n" {
                emit("\n" + prompt(continuation: true))
            } else {
                emit(String(character))
            }
            if options.pace > 0 { usleep(UInt32(options.pace) * 1000) }
        }
        emit("\n")
    }

    /// Writes straight to stdout (and the cast), after whatever the shell had buffered.
    func emit(_ text: String) {
        shell.out.flush()
        shell.out.write(text)
        shell.out.flush()
    }

    /// Reads a line from stdin (Enter at the terminal) before going on; at the end of stdin it
    /// goes on without waiting.
    func waitForEnter() {
        var byte: UInt8 = 0
        while read(0, &byte, 1) == 1, byte != UInt8(ascii: "\n") {}
    }
}

/// An asciicast v2 file (asciinema.org's format): a header line, then `[seconds, "o", text]`
/// for everything written to the terminal.
final class CastWriter {
    private let sink: OutputSink
    private let started = FileIO.monotonicSeconds()
    private let descriptor: Int32

    init(path: String, title: String?) throws {
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw CommandFailure("cannot write \(path): \(String(cString: strerror(errno)))") }
        sink = OutputSink(descriptor: descriptor)
        var size = winsize()
        let known = ioctl(1, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0
        var header: [(key: String, value: JSON)] = [
            ("version", .int(2)),
            ("width", .int(known ? Int(size.ws_col) : 100)),
            ("height", .int(known ? Int(size.ws_row) : 30)),
            ("timestamp", .int(Int(Clock.now()))),
        ]
        if let title { header.append(("title", .string(title))) }
        sink.line(JSON.object(header).text)
    }

    /// Writes out what is buffered; the process may exit without releasing the writer.
    func finish() { sink.flush() }

    deinit {
        sink.flush()
        close(descriptor)
    }

    /// Output as a terminal shows it: newlines as CR LF.
    func output(_ text: String) {
        var crlf = ""
        crlf.reserveCapacity(text.utf8.count + 8)
        for character in text { if character == "\n" { crlf += "\r\n" } else { crlf.append(character) } }
        let seconds = ((FileIO.monotonicSeconds() - started) * 1000).rounded() / 1000
        sink.line(JSON.array([.double(seconds), .string("o"), .string(crlf)]).text)
    }
}
