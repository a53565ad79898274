import Glibc
import WhsSupport

/// `edit` and Ctrl-X Ctrl-E: a statement opened in $VISUAL, else $EDITOR, else vi. The text
/// lives in a folder of its own (mode 0700, under $TMPDIR or /tmp) that is removed whole
/// afterwards, with whatever swap or backup files the editor left there.
enum Editor {
    static var command: String {
        Environment.nonEmpty("VISUAL") ?? Environment.nonEmpty("EDITOR") ?? "vi"
    }

    /// Why an edit changed nothing: one line for the user.
    struct Failure: Error {
        let message: String
    }

    /// The text as the editor saved it (without the trailing newline editors add).
    static func edit(_ text: String) throws(Failure) -> String {
        let editor = command
        let base = Environment.nonEmpty("TMPDIR") ?? "/tmp"
        var template = Array("\(base)/whs-edit-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw Failure(message: "cannot make a folder for the editor in \(base): \(String(cString: strerror(errno)))")
        }
        let folder = String(cString: made)
        defer { removeTree(folder) }
        let file = folder + "/statement.whs"
        do { try FileIO.write(text.isEmpty ? "" : text + "\n", to: file, mode: 0o600) } catch {
            throw Failure(message: "cannot write the statement for the editor: \(error)")
        }
        guard ChildProcess.mayExist(editor) else { throw Failure(message: "editor '\(editor)' not found: nothing changed") }
        switch ChildProcess.run(editor, arguments: [file]) {
        case .exited(0): break
        case .exited(let status) where status == 126 || status == 127:
            throw Failure(message: "editor '\(editor)' could not run (status \(status)): nothing changed")
        case .exited(let status):
            throw Failure(message: "editor '\(editor)' exited with status \(status): nothing changed")
        case .signalled(let signal):
            throw Failure(message: "editor '\(editor)' was stopped by signal \(signal): nothing changed")
        case .failed(let reason):
            throw Failure(message: "editor '\(editor)' could not start (\(reason)): nothing changed")
        }
        let saved: String
        do { saved = try FileIO.read(file) } catch { throw Failure(message: "the editor left no file: nothing changed") }
        var trimmed = Substring(saved)
        while let last = trimmed.last, last == "\n" || last == "\r" { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }

    /// Removes a folder and everything in it.
    static func removeTree(_ path: String) {
        for name in FileIO.names(inFolder: path) {
            let child = path + "/" + name
            var info = stat()
            if lstat(child, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { removeTree(child) } else { unlink(child) }
        }
        rmdir(path)
    }
}
