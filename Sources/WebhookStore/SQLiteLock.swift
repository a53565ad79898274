import Glibc
import WebhookCore

/// The store's lock: a plain glibc mutex, not `Synchronization.Mutex`. On Linux that one is a
/// priority-inheriting futex, whose unlock hands the lock to the longest waiter: while that
/// thread wakes up (tens of microseconds on a virtual machine) nobody holds the lock in
/// earnest and nobody may take it, and a store whose writes take that long spent a third of a
/// send benchmark with both cores idle. Here a thread that is running takes a free lock at
/// once. Not the adaptive kind either (it spins before sleeping): on two cores a spinning
/// waiter takes the CPU from the holder, and in alternating runs the plain mutex gave send
/// 0.69 of curl against 0.61 and the prune's p99 ratio 1.11 against 1.87 (PERFORMANCE.md).
final class SQLiteLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_NORMAL))
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<T>(_ body: () throws(WebhookError) -> T) throws(WebhookError) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Runs `body` if the lock is free now; nil without waiting if it is not.
    func withLockIfAvailable<T>(_ body: () throws(WebhookError) -> sending T) throws(WebhookError) -> sending T? {
        guard pthread_mutex_trylock(mutex) == 0 else { return nil }
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
