import WebhookStore
import WhsLanguage
import WhsShell
import WhsSupport

/// One fuzz input through what a script meets: the scanner, the parser and the interpreter
/// with every command, on a fresh memory store. Never touches files or the network (no
/// `source`, `record` or `history`; no backend to connect to, deliver from or listen with),
/// and is interrupted after `pollBudget` interrupt polls (a tight loop is polled every 256 steps,
/// a loop of commands every step), so an input cannot hang it.
enum Fuzz {
    static let pollBudget = 80

    static func run(_ bytes: UnsafeRawBufferPointer) {
        let text = String(decoding: bytes, as: UTF8.self)
        let sink = OutputSink(capturing: ())
        let shell = Shell(service: MemoryStore().account(), out: sink, err: sink)
        for command in ["source", "record", "history"] { shell.interpreter.uninstall(command: command) }
        shell.keepGoing = true
        var steps = 0
        shell.interpreter.isInterrupted = {
            steps += 1
            return steps > pollBudget
        }
        _ = shell.runText(text, name: "fuzz.whs")
    }
}

#if FUZZING
import CFuzz

/// SwiftPM names an executable's entry point `whs_fuzz_main` and makes `main` an alias of it;
/// here it hands over to libFuzzer's driver.
@_cdecl("whs_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        Fuzz.run(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }
}
#else
/// Built without `-D FUZZING`: runs each file named on the command line through the same
/// code (the regression tests replay what the fuzzer found this way).
@main
struct Replay {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let text = try? FileIO.read(path) else {
                print("cannot read \(path)")
                continue
            }
            var bytes = Array(text.utf8)
            bytes.withUnsafeMutableBytes { Fuzz.run(UnsafeRawBufferPointer($0)) }
            print("ok \(path)")
        }
    }
}
#endif
