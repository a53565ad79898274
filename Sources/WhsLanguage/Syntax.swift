/// The syntax tree. Every node that can fail at run time keeps the byte offset of its place so
/// the error can point at it. Variables are resolved to slots while parsing (a script has one
/// set of variables, like a shell), so reading one is an array access, not a dictionary lookup.
indirect enum Expression {
    case literal(Value)
    case variable(slot: Int, at: Int)
    case interpolation([InterpolationPart])
    case list([Expression])
    case object([(key: String, value: Expression)])
    case negate(Expression, at: Int)
    case not(Expression)
    case and(Expression, Expression)
    case or(Expression, Expression)
    case binary(BinaryOperator, Expression, Expression, at: Int)
    /// `$a + $b`, `$a < 10`: a binary operator on a variable and a variable or a literal, with
    /// no child nodes. Evaluating `.binary` retains and releases both children; these forms,
    /// the common ones in loops, do not (bench/loop). `leftAt`/`rightAt` place "not set".
    case binaryOfVariables(BinaryOperator, slot: Int, leftAt: Int, other: Int, rightAt: Int, at: Int)
    case binaryOfVariableAndLiteral(BinaryOperator, slot: Int, leftAt: Int, Value, at: Int)
    case member(Expression, String, at: Int)
    case index(Expression, Expression, at: Int)
    case call(Function, [Expression], at: Int)
    /// A procedure called like a function; found by name when it runs (`def` defines it).
    case procedureCall(name: String, [Expression], at: Int)
    case command(CommandCall)
}

extension Expression {
    /// The same expression in a flatter form when it has one (`binaryOfVariables`...).
    var specialized: Expression {
        guard case .binary(let op, .variable(let slot, let leftAt), let right, let at) = self else { return self }
        switch right {
        case .variable(let other, let rightAt): return .binaryOfVariables(op, slot: slot, leftAt: leftAt, other: other, rightAt: rightAt, at: at)
        case .literal(let value): return .binaryOfVariableAndLiteral(op, slot: slot, leftAt: leftAt, value, at: at)
        default: return self
        }
    }
}

enum InterpolationPart {
    case text(String)
    case value(Expression)
}

enum BinaryOperator: String {
    case add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%"
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case contains = "in"

    /// `+ - *`: on two integers an integer, or an overflow.
    var isIntArithmetic: Bool { self == .add || self == .subtract || self == .multiply }
}

/// `name arg...` with its arguments as written; `spec` is the table entry it resolved to.
struct CommandCall {
    let spec: CommandSpec
    let arguments: [CommandArgument]
    let at: Int
}

struct CommandArgument {
    /// nil for a positional argument.
    let name: String?
    let value: Expression
    let at: Int
    /// Where the value is written (after `name=`), for `record`'s rewriting.
    var valueRange: Range<Int> = 0..<0
}

/// A statement with its place and its source text (for `-x`, history and assertion messages).
/// A class, so that a loop running its body passes each statement as one reference instead of
/// copying its parts (bench/loop).
public final class Statement {
    let kind: StatementKind
    public let range: Range<Int>
    public let source: SourceFile
    /// `kind` again when it is `$x = $a + $b` (or `-`, `*`, with a variable or an integer on
    /// the right), in a form with only numbers in it: reading it is a load, where matching
    /// `kind` retains and releases its boxes on every step of a loop (bench/loop).
    let intAssignment: IntAssignment?

    init(kind: StatementKind, range: Range<Int>, source: SourceFile) {
        self.kind = kind
        self.range = range
        self.source = source
        intAssignment = IntAssignment(kind)
    }

    /// The statement as written.
    public var text: String { source.slice(range) }
}

/// `$slot = $left op right` with `op` one of `+ - *`: run on integers without the tree
/// (`Slots.assignInts`); any other values, or an overflow, take the general path.
struct IntAssignment {
    enum Right {
        case slot(Int)
        case int(Int)
    }
    let slot: Int
    let op: BinaryOperator
    let left: Int
    let right: Right

    init?(_ kind: StatementKind) {
        guard case .assign(let slot, let expression) = kind else { return nil }
        switch expression {
        case .binaryOfVariables(let op, let left, _, let other, _, _) where op.isIntArithmetic:
            self.init(slot: slot, op: op, left: left, right: .slot(other))
        case .binaryOfVariableAndLiteral(let op, let left, _, .int(let number), _) where op.isIntArithmetic:
            self.init(slot: slot, op: op, left: left, right: .int(number))
        default:
            return nil
        }
    }

    init(slot: Int, op: BinaryOperator, left: Int, right: Right) {
        self.slot = slot
        self.op = op
        self.left = left
        self.right = right
    }
}

indirect enum StatementKind {
    case expression(Expression)
    case command(CommandCall)
    case assign(slot: Int, Expression)
    case ifChain([(condition: Expression, body: [Statement])], otherwise: [Statement]?)
    case forLoop(slot: Int, sequence: Expression, body: [Statement])
    case whileLoop(condition: Expression, body: [Statement])
    case breakLoop
    case continueLoop
    case assertion(condition: Expression, conditionText: String, message: Expression?)
    /// `sleep DURATION`.
    case sleep(Expression)
    /// `wait CONDITION [timeout=DURATION] [every=DURATION]`.
    case wait(condition: Expression, conditionText: String, timeout: Expression?, every: Expression?)
    /// `def name($a, $b) { ... }`: defines the procedure when it runs.
    case define(Procedure)
    /// `return [value]`, inside a procedure.
    case returnValue(Expression?)
    /// `watch [every=DURATION] [count=N] [timeout=DURATION] { ... }`: the block again and again.
    case watch(WatchOptions, body: [Statement])
}

/// The options of a `watch`, as written (evaluated when it runs).
struct WatchOptions {
    var every: Expression?
    var count: Expression?
    var timeout: Expression?
}

/// A procedure: its parameters' slots, the slots it keeps to itself while it runs (parameters
/// and every variable it assigns), and its body, in the file it was written in.
public final class Procedure {
    public let name: String
    let parameters: [Int]
    let locals: [Int]
    let body: [Statement]
    /// `name($a, $b)`, for help and for arity messages.
    public let signature: String
    /// `lib.whs:3`, where it was defined.
    public let place: String
    /// The whole `def ... { ... }` as written, for `edit NAME`.
    public internal(set) var definition = ""

    init(name: String, parameters: [Int], locals: [Int], body: [Statement], signature: String, place: String) {
        self.name = name
        self.parameters = parameters
        self.locals = locals
        self.body = body
        self.signature = signature
        self.place = place
    }
}
