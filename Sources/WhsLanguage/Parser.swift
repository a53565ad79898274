import WhsSupport

/// Why a source did not parse: a real mistake, or input that stops inside an open bracket,
/// string or `\` continuation, which the prompt answers by reading another line (Lua's
/// `incomplete()`).
public enum ParseFailure: Error {
    case syntax(Diagnostic)
    case incomplete(Diagnostic)

    public var diagnostic: Diagnostic {
        switch self {
        case .syntax(let d), .incomplete(let d): d
        }
    }
}

/// What the parser resolves names against: variables to slots, commands and functions to
/// their table entries, so that a typo fails before anything runs.
struct ParserContext {
    let symbols: SymbolTable
    let commands: [String: CommandSpec]
    let functions: [String: Function]
    /// Procedures the session has defined so far (at the prompt, by a sourced library).
    let procedures: Set<String>
}

/// Recursive descent over the grammar of docs/LANGUAGE.md; each function carries its rule.
/// The parser drives the scanner and tells it whether a value or an operator comes next.
struct Parser {
    let source: SourceFile
    let scanner: Scanner
    let context: ParserContext
    /// Where the next token starts looking.
    var position: Int
    /// End of the last token taken: the end of the statement being parsed.
    var lastEnd: Int
    /// Open `(`, `[` and object `{`: inside them newlines do not end anything.
    var grouping = 0
    /// Every open bracket, for "expected ']' to close '[' at 3:9" and for "incomplete".
    var open: [(closer: String, opener: String, at: Int)] = []
    var loopDepth = 0
    var recursion = 0
    /// Inside a `def` body: `return` is allowed there only.
    var procedureDepth = 0
    /// Names this text defines with `def` (found before parsing, so that a call may come before
    /// its definition), and whether it sources files (whose procedures are known only once they
    /// run: calls to names defined nowhere here then wait for run time).
    /// One pass over the bytes finds both (Parser+Declarations.swift): `whs lsp` parses a
    /// 5,000-line file on every edit, and splitting it into Strings was a third of that.
    lazy var declarations: Declarations = Declarations(in: source.bytes)
    var declaredProcedures: Set<String> { mutating get { declarations.procedures } }
    var sourcesFiles: Bool { mutating get { declarations.sourcesFiles } }
    /// Inside `${...}` a leading name is a variable: `${hook.id}` reads `$hook`.
    var leadingNameIsVariable = false
    /// The grouping level of the command whose arguments are being parsed, if any.
    var argumentGrouping: Int?
    /// For `whs lsp` (Parser+Recovery.swift): go on after a statement that fails, collecting
    /// every failure in `diagnostics`, and note in `outline` the commands, arguments,
    /// definitions and calls an editor asks about. Off for the shell, which stops at the first.
    var recovering = false
    var diagnostics: [Diagnostic] = []
    var outline: Outline?
    var stopAt: ((Int) -> Bool)?
    var stoppedAt: Int?
    var readToEnd = false
    /// The furthest offset any token scanned so far reached.
    var highWater = 0

    static let maxRecursion = 200

    init(source: SourceFile, context: ParserContext, range: Range<Int>? = nil) {
        self.source = source
        self.context = context
        if let range {
            scanner = Scanner(bytes: source.bytes, limit: range.upperBound)
            position = range.lowerBound
        } else {
            scanner = Scanner(bytes: source.bytes)
            position = 0
        }
        lastEnd = position
    }

    // MARK: tokens

    func fail(_ message: String, at offset: Int) -> ParseFailure {
        .syntax(Diagnostic(message, in: source, at: offset))
    }

    /// A failure at `token`: "incomplete" when the input ends while something is still open.
    /// The diagnostic spans the token (an editor underlines the whole mistyped name).
    func fail(_ message: String, at token: Token) -> ParseFailure {
        if token.kind == .end, !open.isEmpty { return .incomplete(Diagnostic(message, in: source, at: token.start)) }
        return .syntax(Diagnostic(message, in: source, at: token.start, to: token.kind == .newline ? token.start : token.end))
    }

    /// The last token scanned, by where and how: the parser often peeks the same token
    /// several times before taking it.
    var lastPeek: (position: Int, mode: Scanner.Mode, token: Token)?

    mutating func peek(_ mode: Scanner.Mode) throws(ParseFailure) -> Token {
        if let lastPeek, lastPeek.position == position, lastPeek.mode == mode || scanner.sameInBothModes(lastPeek.token),
           grouping == 0 || lastPeek.token.kind != .newline {
            return lastPeek.token
        }
        let start = position
        let token = try scanToken(mode)
        if position == start { lastPeek = (start, mode, token) }
        return token
    }

    private mutating func scanToken(_ mode: Scanner.Mode) throws(ParseFailure) -> Token {
        while true {
            let token: Token
            do { token = try scanner.scan(at: position, mode: mode) } catch {
                switch error {
                case .syntax(let message, let at):
                    // The scanner read a little past the place it names (an escape's digits).
                    highWater = max(highWater, at + 10)
                    throw fail(message, at: at)
                case .incomplete(let message, let at):
                    highWater = Int.max
                    throw .incomplete(Diagnostic(message, in: source, at: at))
                }
            }
            if token.end > highWater { highWater = token.end }
            if grouping > 0, token.kind == .newline { position = token.end; continue }
            return token
        }
    }

    mutating func take(_ token: Token) {
        position = token.end
        lastEnd = token.end
    }

    /// Takes the closing bracket of the innermost open one, or says which was left open.
    mutating func close(_ kind: Token.Kind) throws(ParseFailure) {
        let token = try peek(.operator)
        let opened = open.last!
        guard token.kind == kind else {
            let place = source.location(of: opened.at)
            throw fail("expected \(opened.closer) to close \(opened.opener) at \(place.line):\(place.column), found \(token.kind.display)", at: token)
        }
        take(token)
        open.removeLast()
    }

    mutating func openBracket(_ token: Token, closer: String, grouping isGrouping: Bool) {
        take(token)
        open.append((closer, token.kind.display, token.start))
        if isGrouping { grouping += 1 }
    }

    mutating func enter(at offset: Int) throws(ParseFailure) {
        recursion += 1
        if recursion > Parser.maxRecursion { throw fail("too deeply nested (more than \(Parser.maxRecursion) levels)", at: offset) }
    }

    func byte(_ offset: Int) -> UInt8? { scanner.byte(offset) }

    /// A name directly followed by `(` calls a function.
    func isCall(_ token: Token) -> Bool {
        if case .name = token.kind { return byte(token.end) == UInt8(ascii: "(") }
        return false
    }

    // MARK: statements

    /// script = { statement ( NEWLINE | ";" ) } ;
    mutating func parseScript() throws(ParseFailure) -> [Statement] {
        try parseStatements(inBlock: false)
    }

    /// def = "def" NAME "(" [ VAR { "," VAR } ] ")" block ;
    mutating func parseDefinition() throws(ParseFailure) -> StatementKind {
        let keyword = try peek(.value)
        take(keyword)
        let nameToken = try peek(.value)
        guard case .name(let name) = nameToken.kind, isCall(nameToken) else {
            throw fail("expected a name and '(' after 'def' (def greet($name) { ... }), found \(nameToken.kind.display)", at: nameToken)
        }
        if Parser.reservedWords.contains(name) {
            throw fail("'\(name)' is a reserved word of the shell: a procedure needs a name of its own", at: nameToken)
        }
        if context.functions[name] != nil || context.commands[name] != nil {
            throw fail("'\(name)' is a \(context.functions[name] != nil ? "function" : "command") already: a procedure needs a name of its own", at: nameToken)
        }
        take(nameToken)
        let paren = try peek(.operator)
        openBracket(paren, closer: "')'", grouping: true)
        var parameters: [(name: String, slot: Int)] = []
        if try peek(.value).kind != .closeParen {
            while true {
                let parameter = try peek(.value)
                guard case .variable(let variable) = parameter.kind else {
                    throw fail("a parameter is a variable ($name), found \(parameter.kind.display)", at: parameter)
                }
                guard !parameters.contains(where: { $0.name == variable }) else { throw fail("parameter $\(variable) given twice", at: parameter) }
                take(parameter)
                parameters.append((variable, context.symbols.slot(for: variable)))
                let comma = try peek(.operator)
                guard comma.kind == .comma else { break }
                take(comma)
            }
        }
        try close(.closeParen)
        grouping -= 1
        let noted = noteDefinition(name, at: nameToken, parameters: parameters.map(\.name), from: keyword.start)
        let savedLoopDepth = loopDepth
        loopDepth = 0
        procedureDepth += 1
        defer {
            procedureDepth -= 1
            loopDepth = savedLoopDepth
            noteDefinitionEnd(noted)
        }
        let body = try parseBlock(after: "def \(name)(...)")
        var locals = parameters.map(\.slot)
        for slot in Parser.assignedSlots(body) where !locals.contains(slot) { locals.append(slot) }
        let line = source.location(of: keyword.start).line
        return .define(Procedure(name: name, parameters: parameters.map(\.slot), locals: locals, body: body,
                                 signature: "\(name)(\(parameters.map { "$" + $0.name }.joined(separator: ", ")))",
                                 place: "\(source.name ?? "<prompt>"):\(line)"))
    }

    /// The slots a block assigns (`$x = ...`, `for $x in`), nested blocks included.
    static func assignedSlots(_ body: [Statement]) -> [Int] {
        var slots: [Int] = []
        for statement in body {
            switch statement.kind {
            case .assign(let slot, _): slots.append(slot)
            case .forLoop(let slot, _, let inner): slots.append(slot); slots += assignedSlots(inner)
            case .whileLoop(_, let inner), .watch(_, let inner): slots += assignedSlots(inner)
            case .ifChain(let branches, let otherwise):
                for branch in branches { slots += assignedSlots(branch.body) }
                slots += assignedSlots(otherwise ?? [])
            default: continue
            }
        }
        return slots
    }

    /// "(" [ expr { "," expr } ] ")"
    mutating func parseArguments() throws(ParseFailure) -> [Expression] {
        let paren = try peek(.operator)
        openBracket(paren, closer: "')'", grouping: true)
        var arguments: [Expression] = []
        if try peek(.value).kind != .closeParen {
            while true {
                arguments.append(try parseExpression())
                let comma = try peek(.operator)
                guard comma.kind == .comma else { break }
                take(comma)
                if try peek(.value).kind == .closeParen { break }
            }
        }
        try close(.closeParen)
        grouping -= 1
        return arguments
    }

    /// wait = "wait" expr { ( "timeout" | "every" ) "=" expr } ;   (no white space around "=")
    mutating func parseWait() throws(ParseFailure) -> StatementKind {
        take(try peek(.value))
        let conditionStart = try peek(.value).start
        let condition = try parseExpression()
        let conditionText = source.slice(conditionStart..<lastEnd)
        var options: [String: Expression] = [:]
        while true {
            let token = try peek(.operator)
            guard case .name(let option) = token.kind, byte(token.end) == UInt8(ascii: "=") else { break }
            guard option == "timeout" || option == "every" else {
                throw fail("wait: unknown option \"\(option)\"\(Suggestion.hint(for: option, in: ["timeout", "every"])) (it takes timeout= and every=)", at: token)
            }
            guard options[option] == nil else { throw fail("wait: \(option)= given twice", at: token) }
            take(token)
            position += 1  // the "="
            lastEnd = position
            options[option] = try parseExpression()
        }
        return .wait(condition: condition, conditionText: conditionText, timeout: options["timeout"], every: options["every"])
    }

    /// Words a procedure may not take: statements that look like commands (`def watch` fails).
    static let reservedWords: Set<String> = ["watch", "output"]

    /// watch = "watch" { ( "every" | "count" | "timeout" ) "=" expr } block ;
    /// Options come before the block: after a command inside it, `count=3` would be the
    /// command's own argument. In a script (any source but the prompt) a watch without count=
    /// or timeout= is an error before anything runs, so that the script ends.
    mutating func parseWatch() throws(ParseFailure) -> StatementKind {
        let keyword = try peek(.value)
        take(keyword)
        var options = WatchOptions()
        var given: Set<String> = []
        while true {
            let token = try peek(.operator)
            guard case .name(let option) = token.kind, byte(token.end) == UInt8(ascii: "=") else { break }
            guard ["every", "count", "timeout"].contains(option) else {
                throw fail("watch: unknown option \"\(option)\"\(Suggestion.hint(for: option, in: ["every", "count", "timeout"])) (it takes every=, count= and timeout=, then a block)", at: token)
            }
            guard given.insert(option).inserted else { throw fail("watch: \(option)= given twice", at: token) }
            take(token)
            position += 1  // the "="
            lastEnd = position
            let value = try parseExpression()
            switch option {
            case "every": options.every = value
            case "count": options.count = value
            default: options.timeout = value
            }
        }
        let savedLoopDepth = loopDepth
        loopDepth = 0
        defer { loopDepth = savedLoopDepth }
        let body = try parseBlock(after: "watch and its options (watch every=2s count=3 { list })")
        if source.name != nil, options.count == nil, options.timeout == nil {
            throw fail("watch in a script needs count= or timeout= so that the script ends (watch every=2s count=3 { ... })", at: keyword.start)
        }
        return .watch(options, body: body)
    }

    /// block = "{" { statement ( NEWLINE | ";" ) } "}" ;  (the part inside the braces)
    mutating func parseStatements(inBlock: Bool) throws(ParseFailure) -> [Statement] {
        var statements: [Statement] = []
        while true {
            let reached = highWater
            var token: Token
            do {
                token = try peek(.value)
                while token.kind == .newline || token.kind == .semicolon {
                    take(token)
                    token = try peek(.value)
                }
            } catch {
                try recover(from: error, statementAt: position, inBlock: inBlock)
                continue
            }
            if token.kind == .end {
                if inBlock { try close(.closeBrace) }
                return statements
            }
            if inBlock, token.kind == .closeBrace { return statements }
            if !inBlock, let outline, reached <= token.start {
                // For `whs lsp` (Analysis+Incremental.swift): where each top-level statement
                // starts that nothing before it read into, and the one to stop before, where
                // the text is as it was.
                if let stopAt, stopAt(token.start) {
                    stoppedAt = token.start
                    return statements
                }
                outline.statementStarts.append(token.start)
            }
            let saved = (grouping, open.count)
            do throws(ParseFailure) {
                statements.append(try parseStatement())
                let after = try peek(.operator)
                switch after.kind {
                case .newline, .semicolon: take(after)
                case .end: continue
                case .closeBrace where inBlock: continue
                default: throw fail("expected end of statement (a newline or ';'), found \(after.kind.display)", at: after)
                }
            } catch {
                (grouping, open) = (saved.0, Array(open.prefix(saved.1)))
                try recover(from: error, statementAt: token.start, inBlock: inBlock)
            }
        }
    }

    /// statement = assignment | if | for | while | "break" | "continue" | assert | sleep | wait
    ///           | watch | command | expr ;
    mutating func parseStatement() throws(ParseFailure) -> Statement {
        let token = try peek(.value)
        try enter(at: token.start)
        defer { recursion -= 1 }
        let start = token.start
        let kind: StatementKind
        switch token.kind {
        case .keyword(.if): kind = try parseIf()
        case .keyword(.for): kind = try parseFor()
        case .keyword(.while): kind = try parseWhile()
        case .keyword(.break), .keyword(.continue):
            guard loopDepth > 0 else { throw fail("'\(token.kind == .keyword(.break) ? "break" : "continue")' outside a loop", at: token) }
            take(token)
            kind = token.kind == .keyword(.break) ? .breakLoop : .continueLoop
        case .keyword(.assert): kind = try parseAssert()
        case .keyword(.elif), .keyword(.else):
            throw fail("'\(token.kind == .keyword(.elif) ? "elif" : "else")' without 'if' (it goes on the line of the '}' before it)", at: token)
        case .variable(let name):
            let after = try scanAfter(token)
            if after.kind == .assign {
                noteAssignment(name, at: token)
                take(token)
                take(after)
                kind = .assign(slot: context.symbols.slot(for: name), try parseCommandOrExpression())
            } else {
                kind = .expression(try parseExpression())
            }
        case .name("sleep") where !isCall(token):
            take(token)
            kind = .sleep(try parseExpression())
        case .name("wait") where !isCall(token):
            kind = try parseWait()
        case .name("def") where !isCall(token):
            kind = try parseDefinition()
        case .name("watch") where !isCall(token):
            kind = try parseWatch()
        case .name("return") where !isCall(token):
            guard procedureDepth > 0 else { throw fail("'return' outside a procedure (def name(...) { ... })", at: token) }
            take(token)
            let next = try peek(.value)
            switch next.kind {
            case .newline, .semicolon, .end, .closeBrace: kind = .returnValue(nil)
            default: kind = .returnValue(try parseCommandOrExpression())
            }
        case .name where !isCall(token):
            kind = .command(try parseCommand())
        default:
            kind = .expression(try parseExpression())
        }
        return Statement(kind: kind, range: start..<lastEnd, source: source)
    }

    mutating func scanAfter(_ token: Token) throws(ParseFailure) -> Token {
        let saved = position
        position = token.end
        defer { position = saved }
        return try peek(.operator)
    }

    /// The right side of an assignment and the inside of `( )`: a command when it starts with
    /// a name that is not a call, else an expression.
    mutating func parseCommandOrExpression() throws(ParseFailure) -> Expression {
        let token = try peek(.value)
        if case .name = token.kind, !isCall(token) { return .command(try parseCommand()) }
        return try parseExpression()
    }

    /// if = "if" expr block { "elif" expr block } [ "else" block ] ;
    mutating func parseIf() throws(ParseFailure) -> StatementKind {
        take(try peek(.value))
        var branches: [(Expression, [Statement])] = []
        var otherwise: [Statement]?
        branches.append((try parseExpression(), try parseBlock(after: "if condition")))
        while true {
            let next = try peek(.operator)
            if next.kind == .keyword(.elif) {
                take(next)
                branches.append((try parseExpression(), try parseBlock(after: "elif condition")))
            } else if next.kind == .keyword(.else) {
                take(next)
                otherwise = try parseBlock(after: "else")
                break
            } else {
                break
            }
        }
        return .ifChain(branches.map { (condition: $0.0, body: $0.1) }, otherwise: otherwise)
    }

    /// for = "for" VAR "in" expr block ;
    mutating func parseFor() throws(ParseFailure) -> StatementKind {
        take(try peek(.value))
        let variable = try peek(.value)
        guard case .variable(let name) = variable.kind else {
            throw fail("expected a variable after 'for' (for $x in ...), found \(variable.kind.display)", at: variable)
        }
        noteAssignment(name, at: variable)
        take(variable)
        let keyword = try peek(.operator)
        guard keyword.kind == .keyword(.in) else { throw fail("expected 'in' after 'for $\(name)', found \(keyword.kind.display)", at: keyword) }
        take(keyword)
        let sequence = try parseExpression()
        loopDepth += 1
        defer { loopDepth -= 1 }
        let body = try parseBlock(after: "for ... in")
        return .forLoop(slot: context.symbols.slot(for: name), sequence: sequence, body: body)
    }

    /// while = "while" expr block ;
    mutating func parseWhile() throws(ParseFailure) -> StatementKind {
        take(try peek(.value))
        let condition = try parseExpression()
        loopDepth += 1
        defer { loopDepth -= 1 }
        return .whileLoop(condition: condition, body: try parseBlock(after: "while condition"))
    }

    /// assert = "assert" expr [ "," expr ] ;
    mutating func parseAssert() throws(ParseFailure) -> StatementKind {
        take(try peek(.value))
        let conditionStart = try peek(.value).start
        let condition = try parseExpression()
        let conditionText = source.slice(conditionStart..<lastEnd)
        var message: Expression?
        let comma = try peek(.operator)
        if comma.kind == .comma {
            take(comma)
            message = try parseExpression()
        }
        return .assertion(condition: condition, conditionText: conditionText, message: message)
    }

    /// block = "{" { statement ( NEWLINE | ";" ) } "}" ;
    mutating func parseBlock(after what: String) throws(ParseFailure) -> [Statement] {
        let brace = try peek(.operator)
        guard brace.kind == .openBrace else {
            throw fail("expected '{' after \(what), found \(brace.kind.display)", at: brace)
        }
        let savedGrouping = grouping
        openBracket(brace, closer: "'}'", grouping: false)
        grouping = 0
        let body = try parseStatements(inBlock: true)
        try close(.closeBrace)
        grouping = savedGrouping
        return body
    }

    /// command  = NAME { argument } ;
    /// argument = [ NAME "=" ] value ;   (no white space around this "=")
    mutating func parseCommand() throws(ParseFailure) -> CommandCall {
        let nameToken = try peek(.value)
        guard case .name(let name) = nameToken.kind else { throw fail("expected a command", at: nameToken) }
        let noted = noteCommand(name, at: nameToken, known: context.commands[name] != nil)
        defer { noteCommandEnd(noted) }
        guard let spec = context.commands[name] else {
            throw fail("unknown command \"\(name)\"\(Suggestion.hint(for: name, in: context.commands.keys))", at: nameToken)
        }
        take(nameToken)
        let savedArgumentGrouping = argumentGrouping
        argumentGrouping = grouping
        defer { argumentGrouping = savedArgumentGrouping }
        var arguments: [CommandArgument] = []
        if spec.takesCommand {
            let inner = try peek(.value)
            guard case .name = inner.kind, !isCall(inner) else {
                throw fail("\(name): expected a command after it (\(spec.usage))", at: inner)
            }
            return CommandCall(spec: spec, arguments: [CommandArgument(name: nil, value: .command(try parseCommand()), at: inner.start)], at: nameToken.start)
        }
        var positionalCount = 0
        while true {
            let token = try peek(.value)
            switch token.kind {
            case .newline, .semicolon, .end, .closeBrace, .closeParen: return CommandCall(spec: spec, arguments: arguments, at: nameToken.start)
            case .assign:
                throw fail("\(name): '=' needs a name right before it and a value right after it, with no spaces (name=value)", at: token)
            default: break
            }
            if case .name(let argument) = token.kind, byte(token.end) == UInt8(ascii: "="), byte(token.end + 1) != UInt8(ascii: "=") {
                guard let canonical = spec.canonicalArgument(argument) else {
                    let known = spec.arguments.flatMap { [$0.name] + $0.aliases }
                    let hint = Suggestion.hint(for: argument, in: known)
                    let list = known.isEmpty ? "it takes no name=value arguments" : "it takes \(spec.arguments.map { $0.name + "=" }.joined(separator: " "))"
                    throw fail("\(name): unknown argument \"\(argument)\"\(hint.isEmpty ? " (\(list))" : hint)", at: token)
                }
                if arguments.contains(where: { $0.name == canonical }) {
                    throw fail("\(name): argument '\(canonical)' given twice", at: token)
                }
                take(token)
                position += 1  // the "="
                lastEnd = position
                noteArgument(noted, name: canonical, nameRange: token.start..<token.end)
                if let next = byte(position), next == UInt8(ascii: " ") || next == UInt8(ascii: "\t") || next == UInt8(ascii: "\n") || next == UInt8(ascii: ";") {
                    throw fail("\(name): '\(argument)=' needs a value right after '=', with no space", at: position)
                }
                if byte(position) == nil { throw fail("\(name): '\(argument)=' needs a value after '='", at: position) }
                let valueStart = position
                let value = try parseValue()
                noteArgumentValue(noted, valueStart..<lastEnd, value)
                arguments.append(CommandArgument(name: canonical, value: value, at: token.start, valueRange: valueStart..<lastEnd))
            } else {
                if case .name = token.kind, try scanAfter(token).kind == .assign {
                    let equals = try scanAfter(token)
                    throw fail("\(name): '=' needs a name right before it and a value right after it, with no spaces (name=value)", at: equals)
                }
                if !spec.variadic, positionalCount >= spec.positionals.count {
                    let takes = spec.positionals.isEmpty ? "no positional arguments" : "\(spec.positionals.count) positional argument\(spec.positionals.count == 1 ? "" : "s")"
                    throw fail("\(name): too many arguments (it takes \(takes); usage: \(spec.usage))", at: token)
                }
                let mapped = spec.variadic ? nil : spec.positionals[positionalCount]
                if let mapped, arguments.contains(where: { $0.name == mapped }) {
                    throw fail("\(name): argument '\(mapped)' given twice", at: token)
                }
                positionalCount += 1
                noteArgument(noted, name: mapped, nameRange: nil)
                if spec.takesVariableNames, case .variable(let variable) = token.kind {
                    take(token)
                    arguments.append(CommandArgument(name: mapped, value: .literal(.string(variable)), at: token.start))
                    continue
                }
                let value = try parseValue()
                noteArgumentValue(noted, token.start..<lastEnd, value)
                arguments.append(CommandArgument(name: mapped, value: value, at: token.start, valueRange: token.start..<lastEnd))
            }
        }
    }

    /// value = expr { "," expr } ;   (two or more: a list)
    mutating func parseValue() throws(ParseFailure) -> Expression {
        let first = try parseExpression()
        var comma = try peek(.operator)
        guard comma.kind == .comma else { return first }
        var items = [first]
        while comma.kind == .comma {
            take(comma)
            items.append(try parseExpression())
            comma = try peek(.operator)
        }
        return .list(items)
    }

    // MARK: expressions

    /// expr = and { "or" and } ;
    mutating func parseExpression() throws(ParseFailure) -> Expression {
        if let literal = try parseLoneLiteral() { return literal }
        try enter(at: position)
        defer { recursion -= 1 }
        var left = try parseAnd()
        while true {
            let token = try peek(.operator)
            guard token.kind == .keyword(.or) else { return left }
            take(token)
            left = .or(left, try parseAnd())
        }
    }

    /// A shortcut for the commonest argument, a word or number that nothing follows
    /// (`api_user=alice`, `https://...`): the same result as the full descent through every
    /// precedence level, at a fraction of the cost.
    mutating func parseLoneLiteral() throws(ParseFailure) -> Expression? {
        guard !leadingNameIsVariable else { return nil }
        let token = try peek(.value)
        let value: Value
        switch token.kind {
        case .integer(let number): value = .int(number)
        case .decimal(let number): value = .double(number)
        case .duration(let seconds, let text): value = .duration(Duration(seconds: seconds, text: text))
        case .name(let word) where !isCall(token): value = .string(word)
        case .bareword(let word) where !(word.utf8.first.map { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } ?? true):
            value = .string(word)
        case .string(let pieces):
            guard pieces.count <= 1 else { return nil }
            guard case .text(let text)? = pieces.first else {
                if pieces.isEmpty { value = .string(""); break }
                return nil
            }
            value = .string(text)
        default: return nil
        }
        let after = try scanAfter(token)
        switch after.kind {
        case .newline, .semicolon, .end, .comma, .closeParen, .closeBracket, .closeBrace, .colon: break
        case .dot, .openBracket: if !after.spaceBefore { return nil }
        case .plus, .star, .percent, .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual,
             .keyword(.and), .keyword(.or), .keyword(.in):
            return nil
        case .minus, .slash:
            // Binary, unless it starts the next command argument (`print 1 -2`).
            if !startsArgument(after) { return nil }
        default: break
        }
        take(token)
        return .literal(value)
    }

    /// and = not { "and" not } ;
    mutating func parseAnd() throws(ParseFailure) -> Expression {
        var left = try parseNot()
        while true {
            let token = try peek(.operator)
            guard token.kind == .keyword(.and) else { return left }
            take(token)
            left = .and(left, try parseNot())
        }
    }

    /// not = "not" not | compare ;
    mutating func parseNot() throws(ParseFailure) -> Expression {
        let token = try peek(.value)
        if token.kind == .keyword(.not) {
            take(token)
            try enter(at: token.start)
            defer { recursion -= 1 }
            return .not(try parseNot())
        }
        return try parseCompare()
    }

    /// compare = sum [ ( "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" ) sum ] ;
    mutating func parseCompare() throws(ParseFailure) -> Expression {
        let left = try parseSum()
        let token = try peek(.operator)
        guard let op = comparison(token.kind) else { return left }
        take(token)
        let right = try parseSum()
        let next = try peek(.operator)
        if comparison(next.kind) != nil {
            throw fail("comparisons cannot be chained: use 'and' (a < b and b < c)", at: next)
        }
        return .binary(op, left, right, at: token.start).specialized
    }

    func comparison(_ kind: Token.Kind) -> BinaryOperator? {
        switch kind {
        case .equal: .equal
        case .notEqual: .notEqual
        case .less: .less
        case .lessEqual: .lessEqual
        case .greater: .greater
        case .greaterEqual: .greaterEqual
        case .keyword(.in): .contains
        default: nil
        }
    }

    /// sum = term { ( "+" | "-" ) term } ;
    mutating func parseSum() throws(ParseFailure) -> Expression {
        var left = try parseTerm()
        while true {
            let token = try peek(.operator)
            let op: BinaryOperator
            switch token.kind {
            case .plus: op = .add
            case .minus where !startsArgument(token): op = .subtract
            default: return left
            }
            take(token)
            left = Expression.binary(op, left, try parseTerm(), at: token.start).specialized
        }
    }

    /// Among a command's arguments, `-` or `/` with white space before and none after starts
    /// the next argument, as in a shell: `print $a -1` is two values, `print $x /tmp/f` too.
    func startsArgument(_ token: Token) -> Bool {
        guard let argumentGrouping, argumentGrouping == grouping, token.spaceBefore, let next = byte(token.end) else { return false }
        return next != UInt8(ascii: " ") && next != UInt8(ascii: "\t") && next != UInt8(ascii: "\n")
    }

    /// term = unary { ( "*" | "/" | "%" ) unary } ;
    mutating func parseTerm() throws(ParseFailure) -> Expression {
        var left = try parseUnary()
        while true {
            let token = try peek(.operator)
            let op: BinaryOperator
            switch token.kind {
            case .star: op = .multiply
            case .slash where !startsArgument(token): op = .divide
            case .percent: op = .remainder
            default: return left
            }
            take(token)
            left = Expression.binary(op, left, try parseUnary(), at: token.start).specialized
        }
    }

    /// unary = "-" unary | postfix ;
    mutating func parseUnary() throws(ParseFailure) -> Expression {
        let token = try peek(.value)
        guard token.kind == .minus else { return try parsePostfix() }
        take(token)
        try enter(at: token.start)
        defer { recursion -= 1 }
        let operand = try parseUnary()
        switch operand {
        case .literal(.int(let number)): return .literal(.int(-number))
        case .literal(.double(let number)): return .literal(.double(-number))
        default: return .negate(operand, at: token.start)
        }
    }

    /// postfix = primary { "." NAME | "[" expr "]" } ;  (no white space before "." or "[")
    mutating func parsePostfix() throws(ParseFailure) -> Expression {
        var value = try parsePrimary()
        while true {
            let token = try peek(.operator)
            if token.spaceBefore { return value }
            switch token.kind {
            case .dot:
                take(token)
                let member = try peek(.operator)
                let name: String
                switch member.kind {
                case .name(let text) where !member.spaceBefore: name = text
                case .keyword(let keyword) where !member.spaceBefore: name = keyword.rawValue
                default: throw fail("expected a field name after '.', found \(member.kind.display)", at: member)
                }
                take(member)
                value = .member(value, name, at: token.start)
            case .openBracket:
                openBracket(token, closer: "']'", grouping: true)
                let index = try parseExpression()
                try close(.closeBracket)
                grouping -= 1
                value = .index(value, index, at: token.start)
            default:
                return value
            }
        }
    }

    /// primary = NUMBER | STRING | "true" | "false" | "null" | VAR | NAME "(" [ expr { "," expr } ] ")"
    ///         | "(" ( command | expr ) ")" | list | object | BAREWORD ;
    mutating func parsePrimary() throws(ParseFailure) -> Expression {
        if leadingNameIsVariable, let variable = leadingVariable() { return variable }
        let token = try peek(.value)
        switch token.kind {
        case .integer(let number): take(token); return .literal(.int(number))
        case .decimal(let number): take(token); return .literal(.double(number))
        case .duration(let seconds, let text): take(token); return .literal(.duration(Duration(seconds: seconds, text: text)))
        case .keyword(.true): take(token); return .literal(.bool(true))
        case .keyword(.false): take(token); return .literal(.bool(false))
        case .keyword(.null): take(token); return .literal(.null)
        case .variable(let name): take(token); return .variable(slot: context.symbols.slot(for: name), at: token.start)
        case .string(let pieces): take(token); return try interpolation(pieces)
        case .name(let name):
            if isCall(token) { return try parseCall(name, token) }
            take(token)
            return .literal(.string(name))
        case .keyword(let keyword) where keyword != .not:
            // Where a value is expected, a statement keyword is just a word: `set on_error continue`.
            take(token)
            return .literal(.string(keyword.rawValue))
        case .bareword(let word):
            if word.first!.isNumber, word.allSatisfy(\.isNumber) {
                throw fail("number \(word) is too large (integers are 64-bit)", at: token)
            }
            take(token)
            return .literal(.string(word))
        case .openParen:
            openBracket(token, closer: "')'", grouping: true)
            let inner = try parseCommandOrExpression()
            try close(.closeParen)
            grouping -= 1
            return inner
        case .openBracket: return try parseList(token)
        case .openBrace: return try parseObject(token)
        default:
            throw fail("expected a value, found \(token.kind.display)", at: token)
        }
    }

    /// `${hook.id}`: the name at the start of an interpolation is a variable.
    mutating func leadingVariable() -> Expression? {
        leadingNameIsVariable = false
        var index = position
        while let b = byte(index), b == UInt8(ascii: " ") { index += 1 }
        guard let first = byte(index), scanner.isNameStart(first) else { return nil }
        var end = index
        while let b = byte(end), scanner.isNameByte(b) { end += 1 }
        if byte(end) == UInt8(ascii: "(") { return nil }
        let name = String(decoding: source.bytes[index..<end], as: UTF8.self)
        if Keyword.lookup(name) != nil { return nil }
        position = end
        lastEnd = end
        return .variable(slot: context.symbols.slot(for: name), at: index)
    }

    /// NAME "(" [ expr { "," expr } ] ")"
    mutating func parseCall(_ name: String, _ token: Token) throws(ParseFailure) -> Expression {
        if context.functions[name] == nil, context.procedures.contains(name) || declaredProcedures.contains(name) || sourcesFiles {
            noteCall(name, at: token, procedure: true)
            take(token)
            return .procedureCall(name: name, try parseArguments(), at: token.start)
        }
        guard let function = context.functions[name] else {
            let hint = Suggestion.hint(for: name, in: context.functions.keys)
            let asCommand = context.commands[name] != nil ? " ('\(name)' is a command: write (\(name) ...) to use its value)" : ""
            throw fail("unknown function \"\(name)\"\(hint)\(asCommand)", at: token)
        }
        noteCall(name, at: token, procedure: false)
        take(token)
        let arguments = try parseArguments()
        guard function.arity.contains(arguments.count) else {
            let wanted = function.arity.lowerBound == function.arity.upperBound ? "\(function.arity.lowerBound)" : "\(function.arity.lowerBound) to \(function.arity.upperBound)"
            throw fail("\(name)() takes \(wanted) argument\(function.arity.upperBound == 1 ? "" : "s"), got \(arguments.count) (\(function.signature))", at: token)
        }
        return .call(function, arguments, at: token.start)
    }

    /// list = "[" [ expr { "," expr } ] [ "," ] "]" ;
    mutating func parseList(_ token: Token) throws(ParseFailure) -> Expression {
        openBracket(token, closer: "']'", grouping: true)
        var items: [Expression] = []
        while try peek(.value).kind != .closeBracket {
            items.append(try parseExpression())
            let comma = try peek(.operator)
            guard comma.kind == .comma else { break }
            take(comma)
        }
        try close(.closeBracket)
        grouping -= 1
        return .list(items)
    }

    /// object = "{" [ key ":" expr { "," key ":" expr } ] [ "," ] "}" ;
    mutating func parseObject(_ token: Token) throws(ParseFailure) -> Expression {
        openBracket(token, closer: "'}'", grouping: true)
        var members: [(key: String, value: Expression)] = []
        while true {
            let keyToken = try peek(.value)
            let key: String
            if keyToken.kind == .closeBrace { break }
            switch keyToken.kind {
            case .name(let name): key = name
            case .keyword(let keyword): key = keyword.rawValue
            case .string(let pieces):
                guard pieces.allSatisfy({ if case .text = $0 { true } else { false } }) else {
                    throw fail("an object key cannot interpolate", at: keyToken)
                }
                key = pieces.map { if case .text(let t) = $0 { t } else { "" } }.joined()
            default:
                throw fail("expected a key (a name or a string) in object, found \(keyToken.kind.display)", at: keyToken)
            }
            take(keyToken)
            let colon = try peek(.operator)
            guard colon.kind == .colon else { throw fail("expected ':' after key \"\(key)\", found \(colon.kind.display)", at: colon) }
            take(colon)
            members.append((key, try parseExpression()))
            let comma = try peek(.operator)
            guard comma.kind == .comma else { break }
            take(comma)
        }
        try close(.closeBrace)
        grouping -= 1
        return .object(members)
    }

    /// A string literal: plain text, or parts to join with interpolated values.
    mutating func interpolation(_ pieces: [StringPiece]) throws(ParseFailure) -> Expression {
        var parts: [InterpolationPart] = []
        for piece in pieces {
            switch piece {
            case .text(let text): parts.append(.text(text))
            case .code(let range, let variableName):
                if variableName {
                    let name = String(decoding: source.bytes[range], as: UTF8.self)
                    parts.append(.value(.variable(slot: context.symbols.slot(for: name), at: range.lowerBound - 1)))
                    continue
                }
                var inner = Parser(source: source, context: context, range: range)
                inner.leadingNameIsVariable = true
                inner.recursion = recursion
                inner.outline = outline
                // The whole text's, found once, not again for each `${...}`.
                inner.declarations = declarations
                let expression = try inner.parseExpression()
                let rest = try inner.peek(.operator)
                guard rest.kind == .end else {
                    throw inner.fail("unexpected \(rest.kind.display) in ${...}", at: rest.start)
                }
                parts.append(.value(expression))
            }
        }
        if parts.isEmpty { return .literal(.string("")) }
        if parts.count == 1, case .text(let text) = parts[0] { return .literal(.string(text)) }
        return .interpolation(parts)
    }
}
