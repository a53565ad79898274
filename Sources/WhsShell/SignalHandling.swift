import Glibc
import Synchronization

/// The process-wide signal flags. Signal handlers cannot reach Swift objects, so these are the
/// only globals in whs; every other piece of state lives in a `Shell`.
public enum Signals {
    /// Set by SIGINT while a statement runs; the interpreter polls it and stops.
    static let interrupt = Atomic<Bool>(false)
    /// Set by SIGWINCH; the line editor resizes before it reads the next key.
    static let resized = Atomic<Bool>(false)

    /// Installs the handlers. Neither restarts interrupted reads: an interrupted read is how a
    /// blocked statement and the line editor notice them.
    public static func install() {
        var interruptAction = sigaction()
        interruptAction.__sigaction_handler.sa_handler = { _ in Signals.interrupt.store(true, ordering: .relaxed) }
        sigemptyset(&interruptAction.sa_mask)
        interruptAction.sa_flags = 0
        sigaction(SIGINT, &interruptAction, nil)

        var resizeAction = sigaction()
        resizeAction.__sigaction_handler.sa_handler = { _ in Signals.resized.store(true, ordering: .relaxed) }
        sigemptyset(&resizeAction.sa_mask)
        resizeAction.sa_flags = 0
        sigaction(SIGWINCH, &resizeAction, nil)
    }

    /// Whether Ctrl-C was pressed while the current statement runs (polled by long waits,
    /// such as a request to a server).
    public static var isInterruptRequested: Bool { interrupt.load(ordering: .relaxed) }
}
