import WhsSupport

/// Long output at the prompt goes through a pager, as psql's does: $WHS_PAGER, else $PAGER,
/// else `less -FRX` (-F: quit at once when it fits, -R: keep colours, -X: leave it on the
/// screen). Tables are already fitted to the width, so inside the pager they stay fitted.
enum Pager {
    static var command: String {
        Environment.nonEmpty("WHS_PAGER") ?? Environment.nonEmpty("PAGER") ?? "less -FRX"
    }

    /// Rows the text takes on a screen `columns` wide: a longer line wraps.
    static func rows(_ text: String, columns: Int) -> Int {
        var rows = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let width = Renderer.visibleCount(String(line))
            rows += max(1, (width + columns - 1) / max(1, columns))
        }
        return rows
    }

    /// Shows `text` through `command`. nil when the pager ran (quitting early is fine: the rest
    /// is dropped); else why it could not, and the caller prints the text itself.
    static func show(_ text: String, through command: String) -> String? {
        guard ChildProcess.mayExist(command) else { return "pager '\(command)' not found; shown without it" }
        switch ChildProcess.run(command, input: Array((text + "\n").utf8)) {
        case .exited(let status) where status == 126 || status == 127:
            return "pager '\(command)' could not run (status \(status)); shown without it"
        case .failed(let reason):
            return "pager '\(command)' could not start: \(reason); shown without it"
        default:
            return nil
        }
    }
}
