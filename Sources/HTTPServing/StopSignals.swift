import Dispatch
import Glibc
import Synchronization

/// SIGTERM and SIGINT, from when it is made until the first of them arrives: a handler of ours
/// (installed before `init` returns) writes a byte into a pipe that a Dispatch read source
/// watches; once one came, the signals' previous actions are given back.
///
/// Not `DispatchSource.makeSignalSource`: on Linux, libdispatch installs its own handler later,
/// on its manager thread, and the signal has to be ignored until then, so a SIGTERM sent just
/// after the server said it was ready was thrown away and the server never stopped (6 stops in
/// 100 with the cores busy; Tests/observability/test_server_connections.py). A byte in a pipe
/// cannot be lost that way. A handler needs a thread that does not block the signal (a
/// signalfd did not): `whs` unblocks both when it starts, since a process may inherit them blocked.
/// Unchecked: everything is set once in `init`; `wait` is called once.
final class StopSignals: @unchecked Sendable {
    static let signals = [SIGTERM, SIGINT]
    /// The pipe's write end, for the handler, which can reach no object (one server waits on
    /// signals in a process).
    private static let writeEnd = Atomic<Int32>(-1)
    private let ends: (read: Int32, write: Int32)
    private let previous: [sigaction]
    private let source: any DispatchSourceRead
    private let stop = ServerStop()

    init() {
        var pair: [Int32] = [-1, -1]
        guard pipe(&pair) == 0 else {
            fatalError("whs: cannot make a pipe for SIGTERM and SIGINT: \(String(cString: strerror(errno)))")
        }
        for end in pair {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)  // the handler never blocks
        }
        ends = (pair[0], pair[1])
        StopSignals.writeEnd.store(pair[1], ordering: .sequentiallyConsistent)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            let saved = errno
            var byte: UInt8 = 1
            _ = write(StopSignals.writeEnd.load(ordering: .relaxed), &byte, 1)
            errno = saved
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        previous = StopSignals.signals.map { number in
            var old = sigaction()
            sigaction(number, &action, &old)
            return old
        }
        source = DispatchSource.makeReadSource(fileDescriptor: pair[0], queue: .global())
        source.setEventHandler { [stop] in stop.stop() }
        source.setCancelHandler { [ends] in
            close(ends.read)
            close(ends.write)
        }
        source.resume()
    }

    /// Returns once a signal came (at once if one came already); the signals then act as they
    /// did before.
    func wait() async {
        await stop.wait()
        for (number, old) in zip(StopSignals.signals, previous) {
            var old = old
            sigaction(number, &old, nil)
        }
        StopSignals.writeEnd.store(-1, ordering: .sequentiallyConsistent)
        source.cancel()
    }
}
