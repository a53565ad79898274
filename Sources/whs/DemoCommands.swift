import WhsShell
import WhsSupport

/// `whs play` and `whs check` (docs/DEMOS.md).
enum DemoCommands {
    static func play(_ play: CommandLineOptions.Play, out: OutputSink) -> Int32 {
        let connection: Connection
        do { connection = try Backends.connect(play.store.map { .store($0) } ?? .memory) } catch {
            fail("play: \(error)", status: 1)
        }
        let shell = makeShell(connection, out: out, err: OutputSink(descriptor: 2))
        var options = ScriptPlayer.Options()
        options.pace = play.pace
        options.step = play.step
        options.castPath = play.cast
        options.svgPath = play.svg
        if let columns = play.svgColumns, let rows = play.svgRows { options.svgSize = (columns, rows) }
        let status: Int32
        do { status = try ScriptPlayer(shell: shell, options: options).play(path: play.file) } catch {
            fail("play: \(error)", status: 1)
        }
        noteUnsettledDeliveries(shell, memory: play.store == nil)
        return status
    }

    static func check(_ check: CommandLineOptions.Check, out: OutputSink) -> Int32 {
        var total = ScriptCheck.Summary(files: 0)
        for file in check.files {
            let summary = ScriptCheck.check(path: file, update: check.update, report: out) { sink in
                makeShell(try Backends.connect(.memory), out: sink, err: sink)
            }
            total.files += 1
            total.statements += summary.statements
            total.mismatches += summary.mismatches
            total.broken += summary.broken
            let verdict = summary.broken > 0 ? "cannot be checked" : check.update ? "updated" : summary.mismatches == 0 ? "ok" : "FAILED"
            out.line("\(file): \(verdict) (\(summary.statements) statement\(summary.statements == 1 ? "" : "s")\(summary.mismatches > 0 ? ", \(summary.mismatches) differ" : ""))")
        }
        if check.files.count > 1 {
            out.line("\(total.files) files, \(total.statements) statements, \(total.mismatches) differ\(total.broken > 0 ? ", \(total.broken) cannot be checked" : "")")
        }
        out.flush()
        return total.broken > 0 ? 2 : total.mismatches > 0 ? 1 : 0
    }
}
