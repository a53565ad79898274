import Glibc
import WhsSupport

/// The prompt's history: what Up/Down recall, what `history` lists, and the file that keeps it
/// between sessions ($WHS_HISTORY, else $XDG_STATE_HOME/whs/history, else
/// ~/.local/state/whs/history). The file is created with mode 0600 and holds at most
/// `limit` entries, one per line (a multi-line statement is one entry, its newlines written
/// as `\n`). Never kept: a line typed with a leading space, the same statement twice in a row,
/// and any statement that holds a secret.
public final class History {
    public let path: String?
    public private(set) var entries: [String] = []
    /// The statements of this session that ran without error, for `history save`.
    public private(set) var successful: [String] = []
    public static let limit = 1000

    /// Loads the file at `path` (nil keeps history in memory only).
    public init(path: String?) {
        self.path = path
        guard let path, let text = try? FileIO.read(path) else { return }
        entries = text.split(separator: "\n").map { History.decode(String($0)) }
        if entries.count > History.limit {
            entries.removeFirst(entries.count - History.limit)
            rewrite()
        }
    }

    /// The default file, by the XDG rules.
    public static var defaultPath: String {
        if let path = Environment.nonEmpty("WHS_HISTORY") { return path }
        let state = Environment.nonEmpty("XDG_STATE_HOME") ?? (Environment.nonEmpty("HOME") ?? "/tmp") + "/.local/state"
        return state + "/whs/history"
    }

    /// Whether `text` may be kept at all (the secret check is the caller's: it knows what ran).
    public static func keeps(_ text: String) -> Bool {
        !text.hasPrefix(" ") && !text.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\n" }
    }

    /// Adds a statement the user entered. Returns false when it is not kept.
    @discardableResult
    public func add(_ text: String, succeeded: Bool) -> Bool {
        guard History.keeps(text) else { return false }
        if succeeded { successful.append(text) }
        if entries.last == text { return true }
        entries.append(text)
        if entries.count > History.limit {
            entries.removeFirst(entries.count - History.limit)
            rewrite()
        } else {
            append(text)
        }
        return true
    }

    private func append(_ text: String) {
        guard let path else { return }
        let descriptor = openPrivately(path, O_WRONLY | O_APPEND | O_CREAT)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let line = History.encode(text) + "\n"
        _ = line.withCString { Glibc.write(descriptor, $0, strlen($0)) }
    }

    private func rewrite() {
        guard let path else { return }
        let descriptor = openPrivately(path, O_WRONLY | O_TRUNC | O_CREAT)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let text = entries.map { History.encode($0) + "\n" }.joined()
        _ = text.withCString { Glibc.write(descriptor, $0, strlen($0)) }
    }

    /// Opens the file (and its directory) for the owner only, and tightens an existing file
    /// that someone made readable by others.
    private func openPrivately(_ path: String, _ flags: Int32) -> Int32 {
        let directory = path.parentDirectory
        if !directory.isEmpty { try? FileIO.makeDirectories(directory) }
        let descriptor = open(path, flags | O_CLOEXEC, 0o600)
        if descriptor >= 0 { fchmod(descriptor, 0o600) }
        return descriptor
    }

    static func encode(_ text: String) -> String {
        text.backslashEscaped(newlines: true)
    }

    static func decode(_ line: String) -> String {
        var out = ""
        var escaped = false
        for character in line {
            if escaped {
                out.append(character == "n" ? "\n" : character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                out.append(character)
            }
        }
        return out
    }
}
