import Glibc
import WebhookCore
import WhsLanguage
import WhsSupport

extension Shell {
    /// The prompt: the same loop as a stream, but an error ends only its statement, Ctrl-C
    /// cancels the typed line or interrupts the running statement, and what was typed goes to
    /// history. Returns the exit status (0 on Ctrl-D, or the code given to `exit`).
    public func runInteractive(_ reader: LineReader, history: History, banner: String?, initScript: String?) -> Int32 {
        self.history = history
        for entry in history.entries { reader.remember(entry) }
        Signals.install()
        interpreter.isInterrupted = { Signals.interrupt.load(ordering: .relaxed) }
        if let banner { out.line(banner); out.flush() }
        if let initScript, let text = try? FileIO.read(initScript) {
            if case .exited(let status) = runForgiving(text, name: initScript) { return finish(status) }
        }
        var pending = ""
        while true {
            out.flush()
            switch reader.read(continuation: !pending.isEmpty) {
            case .end:
                out.line("")
                return finish(.finished)
            case .cancelled:
                pending = ""
            case .line(let line):
                pending += pending.isEmpty ? line : "\n" + line
                let statements: [Statement]
                do {
                    statements = try interpreter.parse(SourceFile(name: nil, text: pending))
                } catch {
                    if case .incomplete = error { continue }
                    report(error.diagnostic.rendered)
                    keep(pending, in: history, reader: reader, succeeded: false)
                    pending = ""
                    continue
                }
                let typed = pending
                pending = ""
                if case .exited(let status) = runTyped(typed, statements, history: history, reader: reader) { return finish(status) }
                // `edit` or Ctrl-X Ctrl-E: what the editor saved runs as if typed.
                while let edited = editedInput {
                    editedInput = nil
                    if case .exited(let status) = runEdited(edited, history: history, reader: reader) { return finish(status) }
                }
            }
        }
    }

    /// Runs what was typed (or saved in the editor) and offers it to history as one entry.
    func runTyped(_ typed: String, _ statements: [Statement], history: History, reader: LineReader) -> Outcome {
        interpreter.touchedSecret = false
        Signals.interrupt.store(false, ordering: .relaxed)
        prompting = sourceDepth == 0
        let outcome = run(statements)
        prompting = false
        keep(typed, in: history, reader: reader, succeeded: { if case .finished = outcome { true } else { false } }())
        return outcome
    }

    /// The text `edit` brought back: shown, then parsed and run as one typed entry.
    func runEdited(_ text: String, history: History, reader: LineReader) -> Outcome {
        guard !text.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\n" }) else { return .finished }
        out.line(text)
        let statements: [Statement]
        do { statements = try interpreter.parse(SourceFile(name: nil, text: text)) } catch {
            report(error.diagnostic.rendered)
            keep(text, in: history, reader: reader, succeeded: false)
            return .failed(2)
        }
        return runTyped(text, statements, history: history, reader: reader)
    }

    /// Runs a text (the init script) reporting errors but never stopping, except for `exit`.
    func runForgiving(_ text: String, name: String) -> Outcome {
        let statements: [Statement]
        do { statements = try interpreter.parse(SourceFile(name: name, text: text)) } catch {
            report(error.diagnostic.rendered)
            return .failed(2)
        }
        let saved = keepGoing
        keepGoing = true
        defer { keepGoing = saved }
        return run(statements)
    }

    /// Offers what was typed to Up/Down and the history file, unless it holds a secret: a
    /// `secret(...)`, `reveal(...)`, `api_key` or a database URL with a password in its text, or
    /// any value that was one.
    func keep(_ typed: String, in history: History, reader: LineReader, succeeded: Bool) {
        let mentionsSecret = typed.contains("secret(") || typed.contains("reveal(") || typed.contains("api_key")
            || PostgresLocation.mentionsPassword(typed)
        guard !mentionsSecret, !interpreter.touchedSecret, History.keeps(typed) else { return }
        reader.remember(typed)
        history.add(typed, succeeded: succeeded)
    }
}
