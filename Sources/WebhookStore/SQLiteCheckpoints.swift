import CSQLite
import Dispatch
import Synchronization
import WebhookCore

/// WAL checkpoints outside the store's lock. SQLite's own automatic checkpoint runs inside the
/// commit that grows the WAL past 1,000 frames, so the writer holds `lock` through copying the
/// pages and two fsyncs, and every read and write of the process waits. Instead a hook on the
/// store's connection notes the WAL's size at each commit, and once the writer released `lock`
/// a serial queue of the store's copies the WAL back on a connection of its own (PASSIVE: it never
/// waits for a writer or a reader, and they never wait for it). Durability is unchanged: a commit is in
/// the WAL, as before; only when the WAL is copied back moved.
final class SQLiteCheckpoints: Sendable {
    /// SQLite's own default threshold.
    static let frames = 1000
    /// The WAL starts again from its beginning only at a write that finds every frame copied
    /// back, which a checkpoint beside a stream of commits never leaves it: past this size the
    /// store's connection copies the last frames back itself, under `lock`, before its write.
    static let restartFrames = 4 * frames

    /// Frames in the WAL at the last commit of the store's connection.
    let walFrames = Atomic<Int>(0)
    /// Frames the WAL held when a checkpoint last copied it back (the WAL starts again from
    /// its beginning at a write after a complete checkpoint, and then the count drops).
    let copiedThrough = Atomic<Int>(0)
    /// The checkpoint's connection, opened on first use.
    let side = Mutex<SQLiteConnection?>(nil)
    /// A checkpoint asked for and not yet begun: requests meanwhile add nothing.
    let requested = Atomic<Bool>(false)
    /// Where checkpoints run, one at a time: Dispatch lends the queue a thread while it has
    /// work, so a store at rest keeps none.
    private let queue = DispatchQueue(label: "whs.sqlite.checkpoints")

    /// Asks for the WAL of the store at `path` to be copied back, on `queue`. Returns at once:
    /// the writer (often an event loop, whose other connections wait meanwhile) does not spend
    /// the checkpoint's copying and fsyncs itself.
    func request(path: String) {
        guard requested.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        queue.async { [self] in
            requested.store(false, ordering: .releasing)
            run(path: path)
        }
    }

    /// Watches `connection`'s commits. Replaces its automatic checkpoints.
    func watch(_ connection: SQLiteConnection) {
        sqlite3_wal_hook(connection.handle, { context, _, _, frames in
            guard let context else { return SQLITE_OK }
            Unmanaged<SQLiteCheckpoints>.fromOpaque(context).takeUnretainedValue().walFrames.store(Int(frames), ordering: .relaxed)
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// True when the WAL grew by `frames` since it was last copied back.
    var due: Bool {
        let frames = walFrames.load(ordering: .relaxed)
        let copied = copiedThrough.load(ordering: .relaxed)
        return frames >= Self.frames && (frames < copied || frames - copied >= Self.frames)
    }

    /// Before a write, under `lock`: if the WAL grew past `restartFrames`, copies back what
    /// the checkpoints beside the writes left (little: they copied the rest), so that this
    /// write starts the WAL again from its beginning. It first waits for a checkpoint under way
    /// on the side connection: two checkpoints never run at once (the second is SQLITE_BUSY
    /// and copies nothing), and when the disk is slow the side's ran through one restart after
    /// another while the WAL grew to 5,900 frames (a CI run). Past this size the writes wait
    /// for the disk rather than the WAL growing without bound.
    func restartIfLong(_ connection: SQLiteConnection) {
        guard walFrames.load(ordering: .relaxed) >= Self.restartFrames else { return }
        side.withLock { _ in
            _ = sqlite3_wal_checkpoint_v2(connection.handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        }
        walFrames.store(0, ordering: .relaxed)
        copiedThrough.store(0, ordering: .relaxed)
    }

    /// Copies the WAL back into the database file, unless another thread is doing so. Errors
    /// are left for the next checkpoint (the WAL only grows meanwhile); the connection is
    /// opened again after one.
    func run(path: String) {
        side.withLockIfAvailable { (connection: inout SQLiteConnection?) in
            guard due else { return }
            let frames = walFrames.load(ordering: .relaxed)
            do throws(WebhookError) {
                if connection == nil {
                    let opened = try SQLiteConnection(path: path, create: false)
                    // A connection that has not read yet has not opened the WAL, and SQLite's
                    // checkpoint then copies nothing.
                    try opened.execute("SELECT count(*) FROM sqlite_master")
                    connection = opened
                }
            } catch {
                return
            }
            guard let handle = connection?.handle else { return }
            let status = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            if status == SQLITE_OK || status == SQLITE_BUSY {
                copiedThrough.store(frames, ordering: .relaxed)
            } else {
                connection = nil
            }
        }
    }
}
