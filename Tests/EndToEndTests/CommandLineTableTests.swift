import Foundation
import Testing
import WhsTestSupport
@testable import whs

/// The table that parsing, `--help`, completion and the man page share: its entries are sound,
/// and each thing made from it shows every flag the parser knows.
@Suite struct CommandLineTableTests {
    static var contexts: [(name: String, flags: [FlagSpec])] {
        [("", CommandLineTable.options.map(\.spec))] + CommandLineTable.subcommands.map { ($0.name, $0.flags) }
    }

    @Test func namesAreWellFormedAndUnique() {
        #expect(Set(CommandLineTable.subcommands.map(\.name)).count == CommandLineTable.subcommands.count)
        for (context, flags) in Self.contexts {
            let names = flags.flatMap(\.names)
            #expect(Set(names).count == names.count, "a name twice in '\(context)': \(names)")
            for flag in flags {
                #expect(flag.names.allSatisfy { $0.hasPrefix("-") && !$0.contains("=") && !$0.contains(" ") }, "\(flag.names)")
                #expect(flag.names.filter { !$0.hasPrefix("--") }.allSatisfy { $0.count == 2 }, "a short name is one letter: \(flag.names)")
                #expect(flag.takesValue == !flag.metavar.isEmpty, "\(flag.name): a value needs a metavariable, a switch none")
                #expect(!flag.help.isEmpty && !flag.help.hasSuffix("."), "\(flag.name): help is a phrase without a full stop")
            }
        }
    }

    /// Every flag of a context is accepted by its parser, with a value when it takes one.
    @Test func everyFlagParses() throws {
        let values: [String: String] = ["--port": "0", "--respond": "200", "--fail-first": "1", "--delay": "0", "--pace": "0",
                                        "--size": "100x30", "-c": "list"]
        for subcommand in CommandLineTable.subcommands where subcommand.name != "help" {
            let operands: [String] = switch subcommand.name {
            case "probe", "health": ["http://127.0.0.1:9"]
            case "repush": ["pushes.jsonl", "http://127.0.0.1:9"]
            case "play": ["a.whs"]
            case "check": ["a.whs"]
            case "completion": ["fish"]
            default: []
            }
            for flag in subcommand.flags where flag.name != "--memory" {
                var words = [subcommand.name, flag.name]
                if flag.takesValue { words.append(values[flag.name] ?? "x") }
                if flag.name == "--size" { words += ["--svg", "o.svg"] }
                let options = try CommandLineOptions.parse(words + operands)
                if flag.name == "--help" { #expect(options.action == .help(topic: subcommand.name)) }
            }
        }
        for flag in CommandLineTable.options.map(\.spec) where !["--url", "--api-user"].contains(flag.name) {
            _ = try CommandLineOptions.parse(flag.takesValue ? [flag.names[0], values[flag.names[0]] ?? "x"] : [flag.names[0]])
        }
    }

    /// `--help` lists every flag and operand, so it cannot drift from the parser.
    @Test func helpShowsEveryFlag() {
        for subcommand in CommandLineTable.subcommands {
            let text = CommandLineHelp.text(for: subcommand)
            #expect(text.hasPrefix("usage: whs \(subcommand.name)"))
            for flag in subcommand.flags {
                #expect(text.contains(flag.names.joined(separator: ", ")), "\(subcommand.name) --help misses \(flag.name)")
            }
            for operand in subcommand.operands { #expect(text.split(separator: "\n")[0].contains(operand.synopsis) || text.contains(operand.synopsis)) }
        }
        let overview = CommandLineHelp.overview
        for flag in CommandLineTable.options.map(\.spec) { #expect(overview.contains("  " + flag.names.joined(separator: ", "))) }
        for subcommand in CommandLineTable.subcommands { #expect(overview.contains("whs \(subcommand.name) ")) }
        let all = [overview] + CommandLineTable.subcommands.map { CommandLineHelp.text(for: $0) }
        for line in all.joined(separator: "\n").split(separator: "\n") {
            #expect(line.count <= CommandLineHelp.width, "too wide: \(line)")
        }
    }

    /// A subcommand of a later issue: its flags are one line each, and parsing, help and
    /// completion take them from there.
    @Test func aNewSubcommandIsItsEntries() throws {
        let sample = Subcommand(
            "sample", operands: [Operand(name: "URL", kind: .url)], summary: "a sample", description: "A sample.",
            start: { (0, "", false) },
            flags: [
                .number("--count", "N", 1...9, "how many") { $0.0 = $1 },
                .value("--mode", "MODE", .oneOf(["fast", "slow"]), "how") { $0.1 = $1 },
                .on("--dry-run", help: "change nothing") { $0.2 = true },
            ],
            finish: { sample, operands throws(CommandLineOptions.UsageError) in
                .command("\(sample.0) \(sample.1) \(sample.2) \(operands.joined())")
            })
        var options = CommandLineOptions()
        try sample.parse(["--count", "3", "--mode=slow", "--dry-run", "http://x"], &options)
        #expect(options.action == .command("3 slow true http://x"))
        #expect(throws: CommandLineOptions.UsageError(message: "sample: --count must be 1 to 9, got '10'")) { try sample.parse(["--count", "10"], &options) }
        #expect(throws: CommandLineOptions.UsageError(message: "sample: unknown option '--dryrun'; did you mean \"--dry-run\"? (known: --count, --mode, --dry-run, --help)")) {
            try sample.parse(["--dryrun"], &options)
        }
        #expect(CommandLineHelp.text(for: sample).hasPrefix("usage: whs sample [--count N] [--mode MODE] [--dry-run] URL\n"))
    }

    /// The binary answers `--help` for each subcommand, and `help NAME` the same.
    @Test func eachSubcommandHasItsHelp() async throws {
        for subcommand in CommandLineTable.subcommands {
            let help = try await WhsBinary.run([subcommand.name, "--help"])
            #expect(help.status == 0 && help.stdout.hasPrefix("usage: whs \(subcommand.name)"), "\(subcommand.name): \(help.stderr)")
            #expect(try await WhsBinary.run(["help", subcommand.name]).stdout == help.stdout)
        }
        let bad = try await WhsBinary.run(["serve", "--sigature", "md5"])
        #expect(bad.status == 2)
        #expect(bad.stderr.hasPrefix("whs: serve: unknown option '--sigature'; did you mean \"--signature\"? (known: --host,"))
        #expect(bad.stderr.hasSuffix(")\nTry 'whs serve --help'.\n"))
    }

    /// `whs --version`: the version in the file VERSION, the commit and the build date.
    @Test func versionComesFromTheVersionFile() async throws {
        let version = try String(contentsOf: WhsBinary.packageRoot.appendingPathComponent("VERSION"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let result = try await WhsBinary.run(["--version"])
        #expect(result.status == 0)
        let line = result.stdout
        let pattern = try Regex("^whs (\\S+) \\(([0-9a-f]{7,}|unknown), built ([0-9]{4}-[0-9]{2}-[0-9]{2})\\)\n$")
        let match = try #require(try pattern.wholeMatch(in: line), "whs --version printed \(line)")
        #expect(match.output[1].substring.map(String.init) == version)
        #expect(line.hasPrefix("whs \(version) ("))
        #expect(BuildStamp.version == version)
    }
}
