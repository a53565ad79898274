/// What reading a line gave.
public enum LineInput: Equatable {
    case line(String)
    /// Ctrl-C at the prompt: forget the typed line and any open statement.
    case cancelled
    /// Ctrl-D on an empty line, or the end of a stream.
    case end
}

/// Where the shell's lines come from: the terminal (libedit) or a stream (a pipe, a file).
public protocol LineReader: AnyObject {
    /// The next line, without its newline. `continuation` is true while a statement is still
    /// open (the prompt then shows `...> `).
    func read(continuation: Bool) -> LineInput
    /// Offers a finished statement to Up/Down and Ctrl-R.
    func remember(_ entry: String)
}

extension LineReader {
    public func remember(_ entry: String) {}
}
