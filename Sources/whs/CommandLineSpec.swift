import WhsSupport

/// The pieces the command-line table (CommandLineTable.swift) is made of. One description of
/// each subcommand and flag gives the parsing, `--help`, the completion scripts and the man
/// page, so that they cannot tell different stories.

/// What a flag's value (or an operand) is: what `--help` and the man page say, what completion
/// offers. Parsing checks integers; other values are checked by what uses them, with the
/// error that names what is known.
enum ValueKind: Sendable {
    /// A switch: no value.
    case none
    /// Free text (`--api-user NAME`).
    case text
    /// A file; completion offers files ending in `.suffix` when there is one (and folders).
    case path(suffix: String?)
    /// A SQLite store file, or a `postgres://` URL.
    case store
    /// An integer in the range; `unit` starts the range in the error (`milliseconds, `).
    case integer(ClosedRange<Int>, unit: String)
    /// `250ms`, `8s`, `2m`, `1h`.
    case duration
    /// An http(s) URL.
    case url
    /// One of these words.
    case oneOf([String])
    /// Free text; these words are offered (`--retry-delays production`).
    case suggested([String])
    /// A subcommand's name, or a command of the language (`whs help serve`, `whs help add`).
    case command

    /// The words completion offers, for the kinds that have a fixed set.
    var words: [String] {
        switch self {
        case .oneOf(let words), .suggested(let words): words
        case .store: ["postgres://"]
        default: []
        }
    }
}

/// A flag as `--help`, completion and the man page see it.
struct FlagSpec: Sendable {
    /// `["-q", "--quiet"]`: the short form first, the long one last.
    let names: [String]
    /// What stands for the value in the synopsis (`PATH`, `8080`); empty for a switch.
    let metavar: String
    let kind: ValueKind
    let help: String
    /// Given several times, each adds (`--user`); otherwise the last one counts.
    var repeats = false
    /// The flags of one group exclude each other (`--store`, `--memory`, `--url`).
    var group: String?
    /// Where parsing ends at this flag.
    var ending: Ending?

    enum Ending: Sendable {
        /// What follows is ignored (`--help`, `--version`).
        case stop
        /// Nothing may follow (`-c 'STATEMENTS'`).
        case last
    }

    /// The long name, which errors and suggestions use.
    var name: String { names[names.count - 1] }
    var takesValue: Bool { if case .none = kind { false } else { true } }
}

/// A flag and what it does: to the subcommand's own options (`Target`), or to the options every
/// subcommand shares (the store).
struct Flag<Target>: Sendable {
    let spec: FlagSpec
    let apply: Apply

    enum Apply: Sendable {
        case target(@Sendable (inout Target, String) throws(CommandLineOptions.UsageError) -> Void)
        case shared(@Sendable (inout CommandLineOptions, String) throws(CommandLineOptions.UsageError) -> Void)
    }

    /// A switch: `.on("-q", "--quiet", help: "no banner") { $0.quiet = true }`.
    static func on(_ names: String..., help: String, group: String? = nil, ending: FlagSpec.Ending? = nil,
                   _ set: @escaping @Sendable (inout Target) -> Void) -> Flag {
        Flag(spec: FlagSpec(names: names, metavar: "", kind: .none, help: help, group: group, ending: ending), apply: .target { target, _ in set(&target) })
    }

    /// A flag with a value: `.value("--host", "127.0.0.1", .text, "the address") { $0.host = $1 }`.
    static func value(_ name: String, _ metavar: String, _ kind: ValueKind, _ help: String, repeats: Bool = false,
                      group: String? = nil, ending: FlagSpec.Ending? = nil,
                      _ set: @escaping @Sendable (inout Target, String) throws(CommandLineOptions.UsageError) -> Void) -> Flag {
        Flag(spec: FlagSpec(names: [name], metavar: metavar, kind: kind, help: help, repeats: repeats, group: group, ending: ending), apply: .target(set))
    }

    /// An integer in `range`, checked before `set` sees it.
    static func number(_ name: String, _ metavar: String, _ range: ClosedRange<Int>, unit: String = "", _ help: String,
                       _ set: @escaping @Sendable (inout Target, Int) -> Void) -> Flag {
        Flag(spec: FlagSpec(names: [name], metavar: metavar, kind: .integer(range, unit: unit), help: help),
             apply: .target { target, text in set(&target, Int(text) ?? range.lowerBound) })
    }

    /// `--store PATH` of a subcommand: the store it opens (or reads the key of).
    static func store(_ help: String, group: String? = "store") -> Flag {
        Flag(spec: FlagSpec(names: ["--store"], metavar: "PATH", kind: .store, help: help, group: group),
             apply: .shared { options, path in options.backend = .store(path) })
    }

    /// `--memory`: a throwaway store.
    static func memory(_ help: String) -> Flag {
        Flag(spec: FlagSpec(names: ["--memory"], metavar: "", kind: .none, help: help, group: "store"),
             apply: .shared { options, _ in options.backend = .memory })
    }

    /// `-h, --help` of the subcommand `name`.
    static func help(_ name: String) -> Flag {
        Flag(spec: FlagSpec(names: ["-h", "--help"], metavar: "", kind: .none, help: "print the usage and the options, then exit", ending: .stop),
             apply: .shared { options, _ in options.action = .help(topic: name) })
    }
}

/// A word after the options (`URL`, `FILE...`).
struct Operand: Sendable {
    /// As the synopsis shows it: `URL`, `FILE`, `bash|zsh|fish`.
    let name: String
    let kind: ValueKind
    var optional = false
    var repeats = false

    var synopsis: String {
        let text = name + (repeats ? "..." : "")
        return optional ? "[\(text)]" : text
    }
}

/// A subcommand (`whs serve`): its words, its help and how it parses what follows its name.
struct Subcommand: Sendable {
    let name: String
    let operands: [Operand]
    /// One line, for `whs --help` and the man page's list.
    let summary: String
    /// Paragraphs separated by blank lines, wrapped by hand; an indented line is kept as it is.
    let description: String
    /// Built when asked for (parsing this subcommand, help, completion, the man page), so that
    /// looking a word up among the subcommands (`whs script.whs`) builds no flag.
    var flags: [FlagSpec] { makeFlags() }
    private let makeFlags: @Sendable () -> [FlagSpec]
    /// `exit status: ...`, when it differs from the shell's.
    let exitStatus: String?
    let parse: @Sendable ([String], inout CommandLineOptions) throws(CommandLineOptions.UsageError) -> Void

    /// A subcommand whose flags fill a `Payload`, made fresh for each parse (`start`, which may
    /// read the environment); `finish` checks the operands and names the action.
    init<Payload>(_ name: String, operands: [Operand] = [], summary: String, description: String, exitStatus: String? = nil,
                  start: @escaping @Sendable () -> Payload, flags: @escaping @autoclosure @Sendable () -> [Flag<Payload>],
                  finish: @escaping @Sendable (inout Payload, [String]) throws(CommandLineOptions.UsageError) -> CommandLineOptions.Action) {
        self.name = name
        self.operands = operands
        self.summary = summary
        self.description = description
        self.exitStatus = exitStatus
        makeFlags = { (flags() + [.help(name)]).map(\.spec) }
        parse = { words, options throws(CommandLineOptions.UsageError) in
            let all = flags() + [.help(name)]
            var payload = start()
            var reader = FlagReader(command: name, words: words)
            var operands: [String] = []
            while let word = reader.next() {
                if reader.isFlag(word) {
                    let (flag, value) = try reader.read(word, flags: all)
                    switch flag.apply {
                    case .target(let set): try set(&payload, value)
                    case .shared(let set): try set(&options, value)
                    }
                    if try reader.ends(at: flag.spec) { return }
                } else if word == "--" {
                    operands += reader.rest()
                } else {
                    operands.append(word)
                }
            }
            options.action = try finish(&payload, operands)
        }
    }

    /// A subcommand that reads its words itself (`help`).
    init(_ name: String, operands: [Operand], summary: String, description: String,
         parse: @escaping @Sendable ([String], inout CommandLineOptions) throws(CommandLineOptions.UsageError) -> Void) {
        self.name = name
        self.operands = operands
        self.summary = summary
        self.description = description
        makeFlags = { [] }
        self.exitStatus = nil
        self.parse = parse
    }

    /// The flags that `--help` lists and errors suggest, long names only.
    var knownNames: [String] { flags.map(\.name).filter { $0.hasPrefix("--") } }
}

/// Reads flags and their values from a list of words, for the top level and every subcommand
/// alike: `--flag VALUE` and `--flag=VALUE`, integers checked, groups that exclude each other.
struct FlagReader {
    /// nil at the top level; errors of a subcommand start with its name.
    let command: String?
    let words: [String]
    private(set) var index = -1
    /// The flag seen of each group, for "--store and --memory cannot be used together". Pairs,
    /// not a dictionary: the first dictionary of a process costs a conformance lookup (0.2 ms
    /// under callgrind) that `whs -c` need not pay here.
    private var seen: [(group: String, flag: String)] = []

    init(command: String?, words: [String]) {
        self.command = command
        self.words = words
    }

    mutating func next() -> String? {
        index += 1
        return index < words.count ? words[index] : nil
    }

    /// The words after the current one, all consumed.
    mutating func rest() -> [String] {
        defer { index = words.count }
        return index + 1 < words.count ? Array(words[(index + 1)...]) : []
    }

    func isFlag(_ word: String) -> Bool { word.hasPrefix("-") && word != "-" && word != "--" }

    private var prefix: String { command.map { "\($0): " } ?? "" }

    /// The flag `word` names and its value (the next word, or after `=`), checked: an integer
    /// in its range, one flag of a group. The caller applies it, then asks `ends(at:)`.
    mutating func read<Target>(_ word: String, flags: [Flag<Target>]) throws(CommandLineOptions.UsageError) -> (flag: Flag<Target>, value: String) {
        var name = word
        var inline: String?
        if word.hasPrefix("--"), let equals = word.firstIndex(of: "=") {
            name = String(word[..<equals])
            inline = String(word[word.index(after: equals)...])
        }
        guard let flag = flags.first(where: { $0.spec.names.contains(name) }) else {
            throw unknown(name, known: flags.map(\.spec.name).filter { $0.hasPrefix("--") })
        }
        let spec = flag.spec
        var value = ""
        if spec.takesValue {
            if let inline {
                value = inline
            } else {
                guard let word = next() else { throw CommandLineOptions.UsageError(message: "\(prefix)\(name) needs a value") }
                value = word
            }
            if case .integer(let range, let unit) = spec.kind {
                guard let number = Int(value), range.contains(number) else {
                    throw CommandLineOptions.UsageError(message: "\(prefix)\(name) must be \(unit)\(range.lowerBound) to \(range.upperBound), got '\(value)'")
                }
            }
        } else if inline != nil {
            throw CommandLineOptions.UsageError(message: "\(prefix)\(name) takes no value")
        }
        if let group = spec.group {
            if let earlier = seen.first(where: { $0.group == group })?.flag, earlier != spec.name {
                throw CommandLineOptions.UsageError(message: "\(prefix)\(earlier) and \(spec.name) cannot be used together")
            }
            seen.append((group, spec.name))
        }
        return (flag, value)
    }

    /// Whether parsing ends after `spec` (`--help`); an error when words follow one that must
    /// be last (`-c 'STATEMENTS'`).
    func ends(at spec: FlagSpec) throws(CommandLineOptions.UsageError) -> Bool {
        switch spec.ending {
        case .stop?:
            return true
        case .last?:
            if index + 1 < words.count {
                throw CommandLineOptions.UsageError(message: "unexpected '\(words[index + 1])' after \(spec.name) '\(spec.metavar)' (options go before \(spec.name))")
            }
            return true
        case nil:
            return false
        }
    }

    /// `unknown option '--stor'; did you mean "--store"?`; a subcommand's error also lists
    /// what it knows.
    func unknown(_ word: String, known: [String]) -> CommandLineOptions.UsageError {
        let hint = Suggestion.hint(for: word, in: known)
        guard let command else { return CommandLineOptions.UsageError(message: "unknown option '\(word)'\(hint)") }
        return CommandLineOptions.UsageError(message: "\(command): unknown option '\(word)'\(hint) (known: \(known.joined(separator: ", ")))")
    }
}
