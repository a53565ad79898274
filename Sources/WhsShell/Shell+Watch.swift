import Glibc
import WhsLanguage

extension Shell {
    /// How `watch` looks: at a terminal each run clears the screen and starts with the interval,
    /// the run and the time, as watch(1) and psql's `\watch` do; elsewhere (scripts, pipes,
    /// `output FILE`) the runs follow one another with nothing added, so that output compares.
    func installWatch() {
        interpreter.beginWatchRun = { [unowned self] run in
            watching = true
            guard out.isTerminal else { return }
            let runs = run.count.map { "run \(run.number) of \($0)" } ?? "run \(run.number)"
            out.write("\u{1B}[H\u{1B}[2J")
            out.line(renderer.dim("Every \(run.everyText): \(runs), \(Shell.clock()) (Ctrl-C stops)"))
            out.line("")
            out.flush()
        }
        interpreter.reportWatchFailure = { [unowned self] error in
            guard let diagnostic = error.diagnostic else { return }
            report(reportsMessagesOnly ? "error: " + diagnostic.message : diagnostic.rendered)
        }
    }

    /// The local time of day, `17:21:05`.
    static func clock() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var bytes = [CChar](repeating: 0, count: 16)
        let count = strftime(&bytes, bytes.count, "%H:%M:%S", &parts)
        return String(decoding: bytes.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
