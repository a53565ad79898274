/// What an editor asks of a text besides its mistakes (`whs lsp`): where each command and its
/// arguments are, which procedures it defines and calls, which variables it assigns, as byte
/// ranges into the source. The parser fills it as it goes, when asked (`Interpreter.analyse`),
/// so it describes exactly what the shell would run; an unfinished statement (`add url
/// events=`) leaves what was read of it, which is what completion needs.
public final class Outline {
    /// `name arg...`, known to the command table or not.
    public struct CommandUse {
        public let name: String
        public let nameRange: Range<Int>
        public let isKnown: Bool
        public var arguments: [ArgumentUse] = []
        /// Where what was read of it ends.
        public var end: Int
    }

    public struct ArgumentUse {
        /// The canonical name (`event=` is `events`), or the one a positional fills; nil for a
        /// variadic command's positional arguments.
        public let name: String?
        /// The name as written before `=`; nil for a positional argument.
        public let nameRange: Range<Int>?
        /// nil while no value has been read (`events=` at the end of the text).
        public var valueRange: Range<Int>?
        /// The value, when it is a string written out (`source lib.whs`).
        public var literal: String?
    }

    /// `def name($a, $b) { ... }`
    public struct Definition {
        public let name: String
        public let nameRange: Range<Int>
        public let parameters: [String]
        /// From `def` to the closing `}` (or as far as it was read).
        public var range: Range<Int>
        public var signature: String { "\(name)(\(parameters.map { "$" + $0 }.joined(separator: ", ")))" }
    }

    /// `name(...)`: a function of the table or a procedure.
    public struct Call {
        public let name: String
        public let nameRange: Range<Int>
        public let isProcedure: Bool
    }

    /// `$name = ...` and `for $name in ...`.
    public struct Assignment {
        public let name: String
        public let range: Range<Int>
    }

    public internal(set) var commands: [CommandUse] = []
    public internal(set) var definitions: [Definition] = []
    public internal(set) var calls: [Call] = []
    public internal(set) var assignments: [Assignment] = []
    /// Where each top-level statement starts (one that failed too), in order: the places an
    /// incremental parse may start again from (nothing is open between two of them).
    public internal(set) var statementStarts: [Int] = []

    public init() {}
}

extension Parser {
    /// Notes a command's name; the index of its entry, to add its arguments to.
    func noteCommand(_ name: String, at token: Token, known: Bool) -> Int? {
        guard let outline else { return nil }
        outline.commands.append(.init(name: name, nameRange: token.start..<token.end, isKnown: known, end: token.end))
        return outline.commands.count - 1
    }

    func noteArgument(_ index: Int?, name: String?, nameRange: Range<Int>?) {
        guard let index, let outline else { return }
        outline.commands[index].arguments.append(.init(name: name, nameRange: nameRange))
    }

    /// The value of the argument noted last.
    func noteArgumentValue(_ index: Int?, _ range: Range<Int>, _ value: Expression) {
        guard let index, let outline, !outline.commands[index].arguments.isEmpty else { return }
        let last = outline.commands[index].arguments.count - 1
        outline.commands[index].arguments[last].valueRange = range
        if case .literal(.string(let text)) = value { outline.commands[index].arguments[last].literal = text }
    }

    func noteCommandEnd(_ index: Int?) {
        guard let index, let outline else { return }
        outline.commands[index].end = max(outline.commands[index].end, lastEnd)
    }

    func noteDefinition(_ name: String, at token: Token, parameters: [String], from start: Int) -> Int? {
        guard let outline else { return nil }
        outline.definitions.append(.init(name: name, nameRange: token.start..<token.end, parameters: parameters, range: start..<token.end))
        return outline.definitions.count - 1
    }

    func noteDefinitionEnd(_ index: Int?) {
        guard let index, let outline else { return }
        let range = outline.definitions[index].range
        outline.definitions[index].range = range.lowerBound..<max(range.upperBound, lastEnd)
    }

    func noteCall(_ name: String, at token: Token, procedure: Bool) {
        outline?.calls.append(.init(name: name, nameRange: token.start..<token.end, isProcedure: procedure))
    }

    func noteAssignment(_ name: String, at token: Token) {
        outline?.assignments.append(.init(name: name, range: token.start..<token.end))
    }
}
