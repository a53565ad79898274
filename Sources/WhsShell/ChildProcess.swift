import Glibc

/// A program the shell hands the terminal to for a while: the pager and the editor. Run through
/// `/bin/sh -c`, as $PAGER and $EDITOR are meant to be read (they may hold flags: `less -FRX`,
/// `code -w`). While it runs, Ctrl-C is the child's (less and vi use it): the shell ignores
/// SIGINT, and SIGPIPE too, so that a pager quit early only ends the writing, never whs.
enum ChildProcess {
    enum Outcome: Equatable {
        case exited(Int32)
        case signalled(Int32)
        /// It could not be started at all.
        case failed(String)
    }

    /// Runs `COMMAND "$@"` with `arguments`; with `input`, the child's stdin is a pipe that gets
    /// it (what the child does not read is dropped when it exits).
    static func run(_ command: String, arguments: [String] = [], input: [UInt8]? = nil) -> Outcome {
        let script = arguments.isEmpty ? command : command + " \"$@\""
        let argv = ["/bin/sh", "-c", script, "sh"] + arguments
        var ends: [Int32] = [-1, -1]
        if input != nil {
            guard pipe(&ends) == 0 else { return .failed(String(cString: strerror(errno))) }
            for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if input != nil { posix_spawn_file_actions_adddup2(&actions, ends[0], 0) }
        // The child starts with the usual signal actions, whatever whs does with them meanwhile.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGPIPE, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))
        var pointers = argv.map { strdup($0) }
        defer { for pointer in pointers { free(pointer) } }
        pointers.append(nil)
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, pointers, environ)
        if input != nil { close(ends[0]) }
        guard spawned == 0 else {
            if input != nil { close(ends[1]) }
            return .failed(String(cString: strerror(spawned)))
        }
        var ignore = sigaction()
        ignore.__sigaction_handler.sa_handler = SIG_IGN
        sigemptyset(&ignore.sa_mask)
        var savedInterrupt = sigaction(), savedPipe = sigaction()
        sigaction(SIGINT, &ignore, &savedInterrupt)
        sigaction(SIGPIPE, &ignore, &savedPipe)
        defer {
            sigaction(SIGINT, &savedInterrupt, nil)
            sigaction(SIGPIPE, &savedPipe, nil)
        }
        if let input {
            writeAll(input, to: ends[1])
            close(ends[1])
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return .failed(String(cString: strerror(errno))) }
        }
        return status & 0x7F == 0 ? .exited((status >> 8) & 0xFF) : .signalled(status & 0x7F)
    }

    /// False when the command's program is certainly missing: its first word, a path that is
    /// not executable or a name found in no folder of $PATH. A command with shell syntax in its
    /// first word is left to the shell.
    static func mayExist(_ command: String) -> Bool {
        guard let first = command.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init) else { return false }
        if first.contains(where: { "\"'$`\\=;&|<>(){}*?~".contains($0) }) { return true }
        if first.contains("/") { return access(first, X_OK) == 0 }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { access("\($0)/\(first)", X_OK) == 0 }
    }

    /// Writes until done or until the reader has gone (EPIPE: a pager quit with q).
    static func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
