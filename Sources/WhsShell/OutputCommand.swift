import Glibc
import WhsLanguage
import WhsSupport

/// `output FILE` sends what statements show to a file until `output stop` (psql's `\o`, shaped
/// like `record`); `output FILE once=true` for the next statement only. The file gets exactly
/// what a pipe would: no colours, whole tables, secrets masked, CSV with `set format csv`.
/// Errors still go to stderr.
final class OutputFile {
    let path: String
    let descriptor: Int32
    /// Ends after the next statement.
    let once: Bool

    init(path: String, once: Bool) throws {
        try OutputFile.checkFolder(of: path)
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw CommandFailure("cannot write \(path): \(String(cString: strerror(errno)))") }
        self.path = path
        self.once = once
    }

    deinit { close(descriptor) }

    /// A folder that does not exist or cannot be written to, named before anything runs.
    static func checkFolder(of path: String) throws {
        let folder = path.contains("/") ? (path.parentDirectory.isEmpty ? "/" : path.parentDirectory) : "."
        var info = stat()
        guard stat(folder, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw CommandFailure("cannot write \(path): the folder \(folder) does not exist")
        }
        guard access(folder, W_OK) == 0 else { throw CommandFailure("cannot write \(path): the folder \(folder) is not writable") }
    }
}

enum OutputCommand {
    static func spec(_ shell: Shell) -> CommandSpec {
        // The shell owns its commands: they must not own it back.
        unowned let shell = shell
        return CommandSpec(
            name: "output", summary: "send what statements show to a file until output stop; once=true for the next statement only",
            usage: "output FILE [once=true] | output stop | output", positionals: ["file"],
            arguments: [
                ArgumentSpec("file", "the file to write (replaced), or stop", completion: .files),
                ArgumentSpec("once", "only the next statement's output (true or false)", completion: .words(["true"])),
            ]
        ) { call in
            guard let target = call.argument("file") else {
                guard let file = shell.outputFile else { return .string("output goes to the screen") }
                return .string("output goes to \(file.path)\(file.once ? " for the next statement" : " (output stop ends it)")")
            }
            guard case .string(let path) = target else { throw CommandFailure("usage: output FILE [once=true] | output stop") }
            if path == "stop" {
                guard shell.outputFile != nil else { throw CommandFailure("output goes to the screen already") }
                shell.stopOutput()
                return .null
            }
            if let file = shell.outputFile { throw CommandFailure("output goes to \(file.path) already (output stop ends it)") }
            let file = try OutputFile(path: path, once: try ArgumentValues.bool(call.argument("once"), "once"))
            shell.outputFile = file
            shell.out.diverted = file.descriptor
            return .null
        }
    }

    /// The `output FILE` statements of a text, checked before any of it runs: a folder that
    /// does not exist or is not writable is named at once, not after the statements before it.
    static func preflight(_ statements: [Statement]) -> Diagnostic? {
        for statement in statements where statement.commandName == "output" {
            for span in statement.argumentSpans where span.name == "file" {
                guard case .string(let path)? = span.literal, path != "stop" else { continue }
                do { try OutputFile.checkFolder(of: path) } catch {
                    return Diagnostic("output: \(error)", in: statement.source, at: span.range.lowerBound)
                }
            }
        }
        return nil
    }
}

extension Shell {
    /// Back to the screen (`output stop`, or after the one statement of `once=true`).
    func stopOutput() {
        out.diverted = nil
        outputFile = nil
    }

    /// After each statement: an `output FILE once=true` has had its statement.
    func statementEnded(_ statement: Statement) {
        watching = false
        if let outputFile, outputFile.once, statement.commandName != "output" { stopOutput() }
    }
}
