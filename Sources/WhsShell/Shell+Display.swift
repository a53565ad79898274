import WhsLanguage

extension Shell {
    /// Shows a value's text, or `help`'s: through the pager when it is taller than the screen
    /// (`set pager auto`), always (`on`) or never (`off`); only for what is typed at the
    /// prompt: never in scripts, pipes, `whs check`, a `source`d file, a `watch` or `output FILE`.
    func display(_ text: String) {
        guard let pager = pagerCommand(for: text) else {
            out.line(text)
            return
        }
        out.flush()
        if let failure = Pager.show(text, through: pager) {
            report(failure)
            out.line(text)
        }
    }

    func pagerCommand(for text: String) -> String? {
        guard settings.pager != .off, history != nil, prompting, sourceDepth == 0, !watching, out.isTerminal,
              let rows = Terminal.rows(), let columns = Terminal.columns() else { return nil }
        // One row stays for the prompt that follows.
        if settings.pager == .auto, Pager.rows(text, columns: columns) < rows { return nil }
        return Pager.command
    }
}
