import Glibc
import WhsSupport

/// Runs statements. One interpreter is one session: its variables live as long as it does and
/// every statement, from a file, `-c`, a pipe or the prompt, sees the same ones.
public final class Interpreter {
    let symbols = SymbolTable()
    /// Indexed by symbol slot; nil is "not set".
    let slots = Slots()
    public private(set) var commands: [String: CommandSpec] = [:]
    public private(set) var functions: [String: Function] = [:]

    /// Shows the value of a statement that is not an assignment (the host renders it).
    public var show: (Value) throws -> Void = { _ in }
    /// Polled between loop iterations and statements: true stops the run (Ctrl-C).
    public var isInterrupted: () -> Bool = { false }
    /// Set when a statement touched a secret: the shell keeps such statements out of history.
    public var touchedSecret = false
    /// Called before each run of a `watch` (the shell clears the screen and shows the time).
    public var beginWatchRun: (WatchRun) -> Void = { _ in }
    /// Shows the error of a statement that failed inside a `watch`, which then goes on.
    public var reportWatchFailure: (RuntimeError) -> Void = { _ in }

    public init() {
        for function in Builtins.all { functions[function.name] = function }
        set("error", .null)
        set("args", .list([]))
    }

    public func install(_ command: CommandSpec) { commands[command.name] = command }
    /// Takes a command away: it becomes unknown to the parser (the fuzzer has no `source`).
    public func uninstall(command name: String) { commands[name] = nil }
    public func install(_ function: Function) { functions[function.name] = function }

    // MARK: variables

    public func value(of name: String) -> Value? {
        guard let slot = symbols.existingSlot(for: name) else { return nil }
        return slots[slot]
    }

    public func set(_ name: String, _ value: Value?) { store(symbols.slot(for: name), value) }

    /// Every variable that has a value, in the order they were first named.
    public var variables: [(name: String, value: Value)] {
        symbols.names.enumerated().compactMap { slot, name in
            guard let value = slots[slot] else { return nil }
            return (name, value)
        }
    }

    @inline(__always) func store(_ slot: Int, _ value: Value?) { slots.store(slot, value) }

    // MARK: parsing

    var parserContext: ParserContext {
        ParserContext(symbols: symbols, commands: commands, functions: functions, procedures: Set(procedures.keys))
    }

    /// The procedures defined so far (`def`), by name.
    public private(set) var procedures: [String: Procedure] = [:]
    /// How deep procedure calls nest now; past `maxCallDepth` a call is refused.
    var callDepth = 0
    public static let maxCallDepth = 200

    /// Parses a whole source. A syntax error anywhere gives one diagnostic and no statements.
    /// The text's top-level procedures are defined at once (hoisted), so a script may call one
    /// that is written further down.
    public func parse(_ source: SourceFile) throws(ParseFailure) -> [Statement] {
        var parser = Parser(source: source, context: parserContext)
        let statements = try parser.parseScript()
        for statement in statements {
            if case .define(let procedure) = statement.kind {
                procedure.definition = statement.text
                procedures[procedure.name] = procedure
            }
        }
        return statements
    }

    // MARK: running

    /// Runs one top-level statement: sets `$_` to its value, or `$error` to its message when it
    /// fails. A failed statement assigns nothing.
    public func run(_ statement: Statement) throws(RuntimeError) {
        do {
            let value = try execute(statement)
            if case .normal(let result) = value { store(SymbolTable.last, result) }
        } catch {
            if let diagnostic = error.diagnostic { store(SymbolTable.error, .string(diagnostic.message)) }
            throw error
        }
    }

    enum Flow {
        case normal(Value)
        case breakLoop
        case continueLoop
        /// `return`: leaves every block up to the procedure.
        case returned(Value)
    }

    func execute(_ statement: Statement) throws(RuntimeError) -> Flow {
        do {
            return try executeUnchecked(statement)
        } catch {
            throw Interpreter.runtimeError(error, in: statement)
        }
    }

    /// A failure inside `statement` as the error the run reports, with its place.
    static func runtimeError(_ error: any Error, in statement: Statement) -> RuntimeError {
        switch error {
        case let error as EvaluationError: .failed(Diagnostic(error.message, in: statement.source, at: error.at))
        case let error as RuntimeError: error
        default: .failed(Diagnostic(String(describing: error), in: statement.source, at: statement.range.lowerBound))
        }
    }

    private func executeUnchecked(_ statement: Statement) throws -> Flow {
        switch statement.kind {
        case .expression(let expression):
            let value = try evaluate(expression, in: statement)
            if case .null = value {} else { try show(value) }
            return .normal(value)
        case .command(let call):
            let value = try runCommand(call, in: statement)
            if case .null = value {} else { try show(value) }
            return .normal(value)
        case .assign(let slot, let expression):
            try assign(slot, expression, in: statement)
            return .normal(slots[slot] ?? .null)
        case .ifChain(let branches, let otherwise):
            for branch in branches where try evaluate(branch.condition, in: statement).isTruthy {
                return try executeBlock(branch.body)
            }
            if let otherwise { return try executeBlock(otherwise) }
            return .normal(.null)
        case .forLoop(let slot, let sequenceExpression, let body):
            // `for $i in range(...)` counts without making the list first.
            if case .call(let function, let arguments, let at) = sequenceExpression, function.name == "range" {
                let values = try arguments.map { try evaluate($0, in: statement) }
                let bounds: Range<Int>
                do { bounds = try Builtins.rangeBounds(values) } catch { throw EvaluationError(message: "range(): \(error)", at: at) }
                for number in bounds {
                    try checkInterrupt(statement)
                    store(slot, .int(number))
                    let flow = try executeBlock(body)
                    if case .breakLoop = flow { break }
                    if case .returned = flow { return flow }
                }
                return .normal(.null)
            }
            let sequence = try evaluate(sequenceExpression, in: statement)
            let items: [Value]
            switch sequence {
            case .list(let list): items = list
            case .object(let object): items = object.keys.map { .string($0) }
            default:
                throw EvaluationError(message: "for needs a list or an object to loop over, got \(sequence.typeName)", at: statement.range.lowerBound)
            }
            for item in items {
                try checkInterrupt(statement)
                store(slot, item)
                let flow = try executeBlock(body)
                if case .breakLoop = flow { break }
                if case .returned = flow { return flow }
            }
            return .normal(.null)
        case .whileLoop(let condition, let body):
            while try evaluate(condition, in: statement).isTruthy {
                try checkInterrupt(statement)
                let flow = try executeBlock(body)
                if case .breakLoop = flow { break }
                if case .returned = flow { return flow }
            }
            return .normal(.null)
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        case .define(let procedure):
            procedure.definition = statement.text
            procedures[procedure.name] = procedure
            return .normal(.null)
        case .returnValue(let expression):
            return .returned(try expression.map { try evaluate($0, in: statement) } ?? .null)
        case .watch(let options, let body):
            return try watch(options, body, in: statement)
        case .sleep(let expression):
            try pause(try seconds(expression, what: "sleep", in: statement), in: statement)
            return .normal(.null)
        case .wait(let condition, let conditionText, let timeoutExpression, let everyExpression):
            let timeout = try timeoutExpression.map { try seconds($0, what: "wait timeout=", in: statement) } ?? Interpreter.defaultWaitTimeout
            let every = try everyExpression.map { try seconds($0, what: "wait every=", in: statement) } ?? Interpreter.defaultWaitEvery
            let deadline = WhsSupport.Clock.now() + timeout
            while true {
                let last = try evaluate(condition, in: statement)
                if last.isTruthy { return .normal(.null) }
                guard WhsSupport.Clock.now() + every <= deadline else {
                    throw RuntimeError.assertion(Diagnostic(
                        "wait timed out after \(DurationText.format(timeout)): \(conditionText) (last value: \(last.literal))",
                        in: statement.source, at: statement.range.lowerBound))
                }
                try pause(every, in: statement)
            }
        case .assertion(let condition, let conditionText, let messageExpression):
            guard try !evaluate(condition, in: statement).isTruthy else { return .normal(.null) }
            var message = "assertion failed: \(conditionText)"
            if let messageExpression { message += ": " + (try evaluate(messageExpression, in: statement).plainText) }
            throw RuntimeError.assertion(Diagnostic(message, in: statement.source, at: statement.range.lowerBound))
        }
    }

    /// Runs a block; `break` and `continue` travel up to the loop that holds it.
    private func executeBlock(_ body: [Statement]) throws(RuntimeError) -> Flow {
        // Statements are borrowed from the array's buffer, not copied out of it: a copy is a
        // retain and a release per statement per loop step (bench/loop).
        try body.withUnsafeBufferPointer { statements throws(RuntimeError) -> Flow in
            for index in statements.indices {
                // Integer arithmetic into a variable, without taking the statement apart.
                if let assignment = statements[index].intAssignment, slots.assignInts(assignment) { continue }
                let statement = statements[index]
                // Assignments, most of a loop's body, go straight to the slot.
                if case .assign(let slot, let expression) = statement.kind {
                    do { try assign(slot, expression, in: statement) } catch { throw Interpreter.runtimeError(error, in: statement) }
                    continue
                }
                switch try execute(statement) {
                case .normal: continue
                case .breakLoop: return .breakLoop
                case .continueLoop: return .continueLoop
                case .returned(let value): return .returned(value)
                }
            }
            return .normal(.null)
        }
    }

    /// `$x = expression`. `$x = $x + value` with text or a list in `$x` appends in place: a
    /// loop that builds a string or a list then grows it in linear time, where copying it on
    /// every step took minutes for a few megabytes (found by the fuzzer).
    @inline(__always)
    func assign(_ slot: Int, _ expression: Expression, in statement: Statement) throws {
        switch expression {
        case .binaryOfVariables(.add, let source, let leftAt, let other, let otherAt, let at) where source == slot:
            try add(try variable(other, at: otherAt), to: slot, leftAt: leftAt, at: at)
        case .binaryOfVariableAndLiteral(.add, let source, let leftAt, let value, let at) where source == slot:
            try add(value, to: slot, leftAt: leftAt, at: at)
        case .binary(.add, .variable(let source, let leftAt), let operand, let at) where source == slot:
            try add(try evaluate(operand, in: statement), to: slot, leftAt: leftAt, at: at)
        default:
            store(slot, try evaluate(expression, in: statement))
        }
    }

    /// `$x = $x + tail`: in place when both are text or both lists, as `+` otherwise.
    @inline(__always)
    private func add(_ tail: Value, to slot: Int, leftAt: Int, at: Int) throws {
        switch tail {
        case .string(let text):
            // Out of the slot, and the taken value emptied, before it grows: the only
            // reference left is the one appended to.
            var taken = slots.take(slot)
            if case .string(var grown)? = taken {
                taken = nil
                grown += text
                store(slot, .string(grown))
                return
            }
            store(slot, taken)
        case .list(let items):
            var taken = slots.take(slot)
            if case .list(var grown)? = taken {
                taken = nil
                grown += items
                store(slot, .list(grown))
                return
            }
            store(slot, taken)
        default:
            break
        }
        store(slot, try Operators.apply(.add, try variable(slot, at: leftAt), tail, at: at))
    }

    /// Loop steps left before `isInterrupted` is asked again. Asking on every step of a tight
    /// loop costs more than the step; a command (which may wait on the network) resets it, so
    /// a loop of slow commands is still asked on every step.
    var interruptCountdown = 0
    static let interruptPollInterval = 256

    /// Calls a procedure: its parameters and the variables it assigns are its own while it runs
    /// (their values outside are put back when it returns, like a shell's `local`).
    func call(_ name: String, _ arguments: [Value], at: Int) throws -> Value {
        guard let procedure = procedures[name] else {
            let known = Array(procedures.keys) + Array(functions.keys)
            throw EvaluationError(message: "unknown function or procedure \"\(name)\"\(Suggestion.hint(for: name, in: known))" +
                                  " (a procedure is known once its def has run)", at: at)
        }
        guard arguments.count == procedure.parameters.count else {
            throw EvaluationError(message: "\(procedure.signature) takes \(procedure.parameters.count) argument\(procedure.parameters.count == 1 ? "" : "s"), got \(arguments.count)", at: at)
        }
        guard callDepth < Interpreter.maxCallDepth else {
            throw EvaluationError(message: "\(name)(): calls nest more than \(Interpreter.maxCallDepth) deep (a recursion without an end?)", at: at)
        }
        let saved = procedure.locals.map { slots[$0] }
        callDepth += 1
        defer {
            callDepth -= 1
            for (slot, value) in zip(procedure.locals, saved) { store(slot, value) }
        }
        for slot in procedure.locals { store(slot, nil) }
        for (slot, value) in zip(procedure.parameters, arguments) { store(slot, value) }
        switch try executeBlock(procedure.body) {
        case .returned(let value): return value
        default: return .null
        }
    }

    /// `wait` without `timeout=`: long enough for a push and its first retries, short enough
    /// for CI.
    public static let defaultWaitTimeout = 10.0
    public static let defaultWaitEvery = 0.1

    /// Seconds of a duration (`250ms`) or a number of seconds, for `sleep` and `wait`.
    func seconds(_ expression: Expression, what: String, in statement: Statement) throws -> Double {
        let value = try evaluate(expression, in: statement)
        switch value {
        case .duration(let duration) where duration.seconds >= 0: return duration.seconds
        case .int(let number) where number >= 0: return Double(number)
        case .double(let number) where number >= 0 && number.isFinite: return number
        default:
            throw EvaluationError(message: "\(what) takes a duration (250ms, 5s, 2m, 1h) or seconds, got \(value.typeName) \(value.literal)",
                                  at: statement.range.lowerBound)
        }
    }

    /// Sleeps, waking every 20 ms to see whether Ctrl-C asked to stop.
    func pause(_ seconds: Double, in statement: Statement) throws(RuntimeError) {
        let end = WhsSupport.Clock.now() + seconds
        while true {
            if isInterrupted() { throw .interrupted(Diagnostic("interrupted", in: statement.source, at: statement.range.lowerBound)) }
            let left = end - WhsSupport.Clock.now()
            if left <= 0 { return }
            usleep(UInt32(min(left, 0.02) * 1_000_000))
        }
    }

    private func checkInterrupt(_ statement: Statement) throws(RuntimeError) {
        interruptCountdown -= 1
        guard interruptCountdown <= 0 else { return }
        interruptCountdown = Interpreter.interruptPollInterval
        if isInterrupted() {
            throw .interrupted(Diagnostic("interrupted", in: statement.source, at: statement.range.lowerBound))
        }
    }

    /// Evaluates the arguments and runs the command's handler. Its failures are reported as
    /// `name: message` at the command.
    func runCommand(_ call: CommandCall, in statement: Statement) throws -> Value {
        interruptCountdown = 0
        var positional: [Value] = []
        var named: [(name: String, value: Value)] = []
        var nested: (() throws -> Value)?
        if call.spec.takesCommand, case .command(let inner)? = call.arguments.first?.value {
            nested = { try self.runCommand(inner, in: statement) }
        }
        for argument in call.arguments where nested == nil {
            let value = try evaluate(argument.value, in: statement)
            if let name = argument.name { named.append((name, value)) } else { positional.append(value) }
        }
        let invocation = CommandInvocation(name: call.spec.name, positional: positional, named: named, interpreter: self, nested: nested)
        do {
            return try call.spec.run(invocation)
        } catch let error as RuntimeError {
            throw error
        } catch let error as ExitRequest {
            throw RuntimeError.exit(error.code)
        } catch let error as EvaluationError {
            throw error
        } catch {
            throw EvaluationError(message: "\(call.spec.name): \(error)", at: call.at)
        }
    }
}
