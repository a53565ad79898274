/// The commands a host installs into the language. The language knows nothing about webhooks:
/// `add`, `list`, `print`, `source`... all come from one table that also drives help and
/// completion in the shell.
public struct CommandSpec {
    public let name: String
    /// One line for `help`.
    public let summary: String
    /// `add URL [api_user=NAME] [events=LIST]`
    public let usage: String
    /// Names that positional arguments stand for, in order (`add URL` fills `url`).
    public let positionals: [String]
    /// Takes any number of positional arguments (`print`).
    public let variadic: Bool
    /// Named arguments it accepts.
    public let arguments: [ArgumentSpec]
    /// Positional `$name` arguments arrive as the name, not the value (`unset $x`).
    public let takesVariableNames: Bool
    /// The rest of the statement is another command, handed over unrun (`explain add ...`).
    public let takesCommand: Bool
    public let run: (CommandInvocation) throws -> Value

    public init(
        name: String, summary: String, usage: String, positionals: [String] = [], variadic: Bool = false,
        arguments: [ArgumentSpec] = [], takesVariableNames: Bool = false, takesCommand: Bool = false, run: @escaping (CommandInvocation) throws -> Value
    ) {
        self.name = name
        self.summary = summary
        self.usage = usage
        self.positionals = positionals
        self.variadic = variadic
        self.arguments = arguments
        self.takesVariableNames = takesVariableNames
        self.takesCommand = takesCommand
        self.run = run
    }

    /// The canonical name for an argument name or alias (`event` -> `events`).
    func canonicalArgument(_ name: String) -> String? {
        arguments.first { $0.name == name || $0.aliases.contains(name) }?.name
    }
}

/// A `name=value` argument a command accepts.
public struct ArgumentSpec: Sendable {
    public let name: String
    public let aliases: [String]
    public let summary: String
    /// What the shell offers when completing this argument's value.
    public let completion: Completion

    public enum Completion: Sendable, Equatable {
        case none, events, files, variables, commands
        /// Setting names; the values of the setting named before.
        case settings, settingValues
        /// A fixed set of words.
        case words([String])
    }

    public init(_ name: String, aliases: [String] = [], _ summary: String, completion: Completion = .none) {
        self.name = name
        self.aliases = aliases
        self.summary = summary
        self.completion = completion
    }
}

/// A command being run: its arguments evaluated, named ones under their canonical names.
public struct CommandInvocation {
    public let name: String
    public let positional: [Value]
    public let named: [(name: String, value: Value)]
    public let interpreter: Interpreter
    /// For a command that takes a command: runs it (once, when called).
    public let nested: (() throws -> Value)?

    /// An argument by name, whether given as `name=value` or by position.
    public func argument(_ name: String) -> Value? {
        if let found = named.first(where: { $0.name == name }) { return found.value }
        return nil
    }
}

/// A command's own failure: the interpreter reports it as `NAME: message` at the statement.
public struct CommandFailure: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A function callable in expressions: `len($x)`. Builtins come with the language; a host may
/// add its own (the shell adds `event_code` and `event_name`).
public struct Function: Sendable {
    public let name: String
    /// `len(x)`, for help and for arity messages.
    public let signature: String
    public let arity: ClosedRange<Int>
    public let run: @Sendable ([Value], Interpreter) throws -> Value

    public init(_ name: String, _ signature: String, arity: ClosedRange<Int>, run: @escaping @Sendable ([Value], Interpreter) throws -> Value) {
        self.name = name
        self.signature = signature
        self.arity = arity
        self.run = run
    }
}
