import Foundation
import Testing
import WhsTestSupport
@testable import whs

@Suite struct CommandLineTests {
    @Test(arguments: [
        ([], CommandLineOptions()),
        (["--memory", "--json", "-c", "list"], { var o = CommandLineOptions(); o.backend = .memory; o.json = true; o.action = .command("list"); return o }()),
        (["--store=/tmp/s", "x.whs", "--json", "a"], { var o = CommandLineOptions(); o.backend = .store("/tmp/s"); o.action = .file("x.whs", arguments: ["--json", "a"]); return o }()),
        (["-x", "--keep-going", "--no-init", "-q", "--", "-odd.whs"], { var o = CommandLineOptions(); o.echo = true; o.keepGoing = true; o.noInit = true; o.quiet = true; o.action = .file("-odd.whs", arguments: []); return o }()),
        (["help", "add"], { var o = CommandLineOptions(); o.action = .help(topic: "add"); return o }()),
        (["--version"], { var o = CommandLineOptions(); o.action = .version; return o }()),
        (["play", "--pace", "0", "--cast", "o.cast", "d.whs"], { var o = CommandLineOptions(); o.action = .play(.init(file: "d.whs", pace: 0, step: false, cast: "o.cast")); return o }()),
        (["check", "--update", "a.whs", "b.whs"], { var o = CommandLineOptions(); o.action = .check(.init(files: ["a.whs", "b.whs"], update: true)); return o }()),
        (["listen", "--port", "0", "--fail-first", "2", "--json"], {
            var o = CommandLineOptions()
            var listen = CommandLineOptions.Listen()
            listen.options.port = 0
            listen.options.failFirst = 2
            listen.json = true
            listen.options.appKey = ProcessInfo.processInfo.environment["WHS_APP_KEY"]
            o.action = .listen(listen)
            return o
        }()),
        (["serve", "--retry-delays", "0.1,0.2", "--memory"], { var o = CommandLineOptions(); o.backend = .memory; o.action = .serve(.init(retryDelays: "0.1,0.2")); return o }()),
        // `--flag=VALUE` and repeated flags in a subcommand, as at the top level.
        (["serve", "--port=0", "--user", "a:b:c", "--user=d:e:f", "--signature", "hmac-sha256", "--public"], {
            var o = CommandLineOptions()
            o.action = .serve(.init(port: 0, users: ["a:b:c", "d:e:f"], isPublic: true, signature: "hmac-sha256"))
            return o
        }()),
        (["serve", "--help", "--bogus"], { var o = CommandLineOptions(); o.action = .help(topic: "serve"); return o }()),
        (["help", "serve"], { var o = CommandLineOptions(); o.action = .help(topic: "serve"); return o }()),
        (["help", "--help"], { var o = CommandLineOptions(); o.action = .help(topic: "help"); return o }()),
        (["--memory", "serve"], { var o = CommandLineOptions(); o.backend = .memory; o.action = .file("serve", arguments: []); return o }()),
        (["--url", "http://127.0.0.1:8080", "--api-user", "alice", "-c", "list"], {
            var o = CommandLineOptions(); o.backend = .server(url: "http://127.0.0.1:8080", apiUser: "alice"); o.apiUser = "alice"; o.action = .command("list"); return o
        }()),
        (["probe", "--store=/tmp/s", "http://127.0.0.1:9/hook", "--json"], {
            var o = CommandLineOptions(); o.backend = .store("/tmp/s")
            var probe = CommandLineOptions.Probe(); probe.url = "http://127.0.0.1:9/hook"; probe.json = true
            o.action = .probe(probe); return o
        }()),
        (["play", "--", "-odd.whs"], { var o = CommandLineOptions(); o.action = .play(.init(file: "-odd.whs")); return o }()),
        (["completion", "zsh"], { var o = CommandLineOptions(); o.action = .completion(shell: "zsh"); return o }()),
        (["man"], { var o = CommandLineOptions(); o.action = .man(page: nil); return o }()),
        (["man", "language"], { var o = CommandLineOptions(); o.action = .man(page: "language"); return o }()),
        (["health", "http://127.0.0.1:8080"], { var o = CommandLineOptions(); o.action = .health(url: "http://127.0.0.1:8080"); return o }()),
    ] as [([String], CommandLineOptions)])
    func parses(_ words: [String], _ expected: CommandLineOptions) throws {
        #expect(try CommandLineOptions.parse(words) == expected)
    }

    @Test(arguments: [
        (["--stor", "x"], "unknown option '--stor'; did you mean \"--store\"?"),
        (["--store"], "--store needs a value"),
        (["--memory", "--store", "x"], "--memory and --store cannot be used together"),
        (["-c", "list", "extra"], "unexpected 'extra' after -c 'STATEMENTS' (options go before -c)"),
        (["--json=yes"], "--json takes no value"),
        (["play"], "play: which file? (whs play FILE)"),
        (["play", "a.whs", "b.whs"], "play: one file at a time, got 'a.whs' and 'b.whs'"),
        (["play", "--pace", "-1", "a.whs"], "play: --pace must be milliseconds, 0 to 10000, got '-1'"),
        (["check"], "check: which files? (whs check FILE...)"),
        (["check", "--updat", "a.whs"], "check: unknown option '--updat'; did you mean \"--update\"? (known: --update, --help)"),
        (["listen", "--respond", "100"], "listen: --respond must be 200 to 599, got '100'"),
        (["listen", "--port"], "listen: --port needs a value"),
        (["serve", "--port", "70000"], "serve: --port must be 0 to 65535, got '70000'"),
        (["serve", "--port=http"], "serve: --port must be 0 to 65535, got 'http'"),
        (["serve", "--store", "a.sqlite", "--memory"], "serve: --store and --memory cannot be used together"),
        (["serve", "--public=yes"], "serve: --public takes no value"),
        (["serve", "extra"], "serve: unexpected 'extra' (serve takes options only)"),
        (["serve", "--host"], "serve: --host needs a value"),
        (["check", "--json", "a.whs"], "check: unknown option '--json' (known: --update, --help)"),
        (["completion"], "completion needs one shell: bash, zsh, fish"),
        (["completion", "tcsh"], "completion needs one shell: bash, zsh, fish, got 'tcsh'"),
        (["man", "serve"], "man: no page 'serve' (known: whs man, whs man language)"),
        (["health"], "health needs the node's URL: whs health http://127.0.0.1:8080"),
        (["repush", "pushes.jsonl"], "repush takes a file of saved pushes and a URL: whs repush pushes.jsonl http://127.0.0.1:8000/webhook"),
        (["--url", "http://127.0.0.1:8080"], "--url needs --api-user NAME"),
        (["--api-user", "alice"], "--api-user goes with --url"),
        (["--url", "http://a", "--memory"], "--url and --memory cannot be used together"),
    ])
    func refuses(_ words: [String], _ message: String) {
        #expect(throws: CommandLineOptions.UsageError(message: message)) { try CommandLineOptions.parse(words) }
    }

    @Test func badCommandLineExitsTwo() async throws {
        let result = try await WhsBinary.run(["--bogus"])
        #expect(result.status == 2)
        #expect(result.stderr == "whs: unknown option '--bogus'\nTry 'whs --help'.\n")
    }

    @Test func versionAndHelp() async throws {
        #expect(try await WhsBinary.run(["--version"]).stdout.hasPrefix("whs "))
        let help = try await WhsBinary.run(["--help"])
        #expect(help.status == 0 && help.stdout.contains("whs [OPTIONS] -c 'STATEMENTS'"))
        let serve = try await WhsBinary.run(["serve", "--help"])
        #expect(serve.status == 0 && serve.stdout.hasPrefix("usage: whs serve [--host 127.0.0.1]"))
        #expect(try await WhsBinary.run(["serve", "--bogus"]).stderr.hasPrefix("whs: serve: unknown option '--bogus'"))
        #expect(try await WhsBinary.run(["serve", "--user", "nocolons"]).stderr == "whs: serve: a user is ACCOUNT:API_USER:API_KEY, got 1 part\n")
        let command = try await WhsBinary.run(["--memory", "help", "modify"])
        #expect(command.stdout.hasPrefix("usage: modify ID [url=URL] [api_user=NAME] [events=LIST]\n"))
    }

    @Test func missingScriptIsABadCommandLine() async throws {
        let result = try await WhsBinary.run(["--memory", "/nonexistent/x.whs"])
        #expect(result.status == 2)
        #expect(result.stderr == "error: cannot read script /nonexistent/x.whs: No such file or directory\n")
    }

    @Test func jsonOutputPipesIntoJq() async throws {
        let result = try await WhsBinary.run(["--memory", "--json", "-c", "add https://a.example/1; add https://a.example/2; list"])
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[2] == #"{"result":[{"url":"https://a.example/1","event":[1,3,4,5,10,11,12,18,32],"api_user":"","id":1},{"url":"https://a.example/2","event":[1,3,4,5,10,11,12,18,32],"api_user":"","id":2}],"count":2,"total":2}"#)
    }

    @Test func shebangScriptsRun() async throws {
        let directory = try TemporaryDirectory()
        let script = directory.path + "/hello.whs"
        try "#!\(WhsBinary.path) --memory\nprint \"hello\" $args[0]\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        // "Text file busy" (ETXTBSY): a process another test forks at the moment the script is
        // written inherits its descriptor open for writing, until that child execs. It passes
        // in a moment; Go's os/exec retries the same way.
        var started: (Process, Pipe)?
        for attempt in 1...50 where started == nil {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: script)
            process.arguments = ["world"]
            let output = Pipe()
            process.standardOutput = output
            do {
                try process.run()
                started = (process, output)
            } catch let error as NSError where attempt < 50 && (error.userInfo[NSUnderlyingErrorKey] as? NSError)?.code == Int(ETXTBSY) {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        let (process, output) = try #require(started)
        await exited(process)
        #expect(process.terminationStatus == 0)
        #expect(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "hello world\n")
    }
}
