import Foundation
import Synchronization
import Testing
import WhsTestSupport

/// How the tests wait for their child processes (`offPool`, `ChildProcesses`): a wait holds no
/// thread of the pool that every test's tasks share, and only a few processes run at once.
@Suite struct ChildProcessesTests {
    /// Blocking waits off the pool, eight per core, all wait at once: 2 s and the hops to
    /// start and end them (a task waited up to 2 s for a thread while every suite ran). Made on
    /// the pool itself, eight waits of 3 s held both of its threads on this machine, two at a
    /// time, and took 12 s; these sixteen would take 16.
    @Test func waitsOffThePoolWaitTogether() async throws {
        let waits = 8 * ProcessInfo.processInfo.activeProcessorCount
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<waits {
                group.addTask { try await offPool { Thread.sleep(forTimeInterval: 2) } }
            }
            try await group.waitForAll()
        }
        let took = ContinuousClock.now - started
        #expect(took < .seconds(8), "\(waits) waits of 2 s took \(took)")
    }

    /// No more than `limit` bodies at once, and that many when more are waiting; every body
    /// runs, in its turn.
    @Test func atMostTheLimitRunAtOnce() async throws {
        final class Counts: Sendable { let state = Mutex((running: 0, most: 0, done: 0)) }
        let counts = Counts()
        let turns = Turns(limit: 3)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    try await turns.run {
                        counts.state.withLock { $0.running += 1; $0.most = max($0.most, $0.running) }
                        Thread.sleep(forTimeInterval: 0.05)
                        counts.state.withLock { $0.running -= 1; $0.done += 1 }
                    }
                }
            }
            try await group.waitForAll()
        }
        let (running, most, done) = counts.state.withLock { $0 }
        #expect(most == 3)
        #expect(running == 0)
        #expect(done == 12)
    }
}
