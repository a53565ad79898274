/// Why a statement stopped: the interpreter's answer to the host, who picks the exit status.
public enum RuntimeError: Error {
    /// A statement failed: `file:line:col: error: message`. Exit status 1.
    case failed(Diagnostic)
    /// A sourced file did not parse. Exit status 2.
    case syntax(Diagnostic)
    /// An `assert` was false. Exit status 3.
    case assertion(Diagnostic)
    /// `exit [code]`: leave with this status.
    case exit(Int32)
    /// Ctrl-C while a statement ran.
    case interrupted(Diagnostic)

    public var diagnostic: Diagnostic? {
        switch self {
        case .failed(let d), .syntax(let d), .assertion(let d), .interrupted(let d): d
        case .exit: nil
        }
    }
}

/// A failure inside an expression, before the interpreter knows the statement: an error
/// message and the place of the expression.
struct EvaluationError: Error {
    let message: String
    let at: Int
}

/// Thrown by the `exit` command; the interpreter passes it on as `RuntimeError.exit`.
public struct ExitRequest: Error {
    public let code: Int32
    public init(code: Int32) { self.code = code }
}
