/// What `record` needs to know about a statement to write it back: which variable it assigns,
/// and where its command's arguments are written.
extension Statement {
    /// A command argument of a top-level command: the command, the argument's canonical name
    /// (nil for a variadic positional), where its value is written in the source, and the
    /// value when it is written as a literal.
    public struct ArgumentSpan {
        public let command: String
        public let name: String?
        public let range: Range<Int>
        public let literal: Value?
    }

    /// The name of the variable a top-level assignment writes (`$h = ...` gives `h`).
    public func assignedVariable(in interpreter: Interpreter) -> String? {
        guard case .assign(let slot, _) = kind, slot < interpreter.symbols.names.count else { return nil }
        return interpreter.symbols.names[slot]
    }

    /// The statement's command, when it is one (shown, or assigned).
    var command: CommandCall? {
        switch kind {
        case .command(let found), .expression(.command(let found)), .assign(_, .command(let found)): found
        default: nil
        }
    }

    /// `record` for `record out.whs` and `$x = record`; nil when the statement is no command.
    public var commandName: String? { command?.spec.name }

    /// The arguments of the statement's command, when it is one.
    public var argumentSpans: [ArgumentSpan] {
        guard let call = command else { return [] }
        return call.arguments.map { argument in
            var literal: Value?
            if case .literal(let value) = argument.value { literal = value }
            return ArgumentSpan(command: call.spec.name, name: argument.name, range: argument.valueRange, literal: literal)
        }
    }
}
