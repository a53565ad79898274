import Testing
import WebhookCore
@testable import WebhookDelivery

/// A node claims ahead of its workers only while what it queues starts well inside its lease,
/// and never attempts a delivery whose lease could end mid-attempt (docs/SCALING.md).
@Suite struct ClaimAheadTests {
    /// Claims nothing: the tests only ask the node's arithmetic.
    struct NoClaims: DeliveryClaims {
        func claim(node: String, limit: Int, lease: Double) async throws(WebhookError) -> [ClaimedDelivery] { [] }
        func nextDue() async throws(WebhookError) -> Double? { nil }
        func release(_ ids: [Int], node: String) async throws(WebhookError) {}
        func onDeliveriesQueued(_ action: @escaping @Sendable () -> Void) {}
    }

    @Test func quickAttemptsLetAClaimTakeFourTimesTheWorkers() {
        let shared = SharedWork(claims: NoClaims(), node: "n", lease: 8)
        for _ in 0..<100 { shared.noteAttempt(seconds: 0.002) }
        #expect(shared.ceiling(concurrency: 32, timeout: 3) == 128)
    }

    @Test func slowAttemptsBringTheClaimBackToTheWorkers() {
        let shared = SharedWork(claims: NoClaims(), node: "n", lease: 8)
        for _ in 0..<100 { shared.noteAttempt(seconds: 3) }
        #expect(shared.ceiling(concurrency: 32, timeout: 3) == 32)
        // In between, what is queued ahead is what the workers finish in a quarter of the slack.
        let middle = SharedWork(claims: NoClaims(), node: "n", lease: 8)
        for _ in 0..<200 { middle.noteAttempt(seconds: 0.5) }
        #expect(middle.ceiling(concurrency: 32, timeout: 3) == 32 + 2 * 32)
    }

    @Test func aLeaseTooShortForAQueueClaimsOnlyForTheWorkers() {
        // lease = timeout + 1: no slack, so nothing is claimed ahead.
        let shared = SharedWork(claims: NoClaims(), node: "n", lease: 4)
        for _ in 0..<100 { shared.noteAttempt(seconds: 0.001) }
        #expect(shared.ceiling(concurrency: 32, timeout: 3) == 32)
    }

    @Test func aClaimThatWaitedPastItsSlackIsNotStarted() {
        let shared = SharedWork(claims: NoClaims(), node: "n", lease: 8)
        #expect(shared.canStart(claimedAt: .now, timeout: 3))
        #expect(shared.canStart(claimedAt: .now - .seconds(3.5), timeout: 3))
        // 8 s lease - 3 s deadline - 1 s to log it: a delivery that waited 4 s could be logged late.
        #expect(!shared.canStart(claimedAt: .now - .seconds(4.2), timeout: 3))
        #expect(shared.canStart(claimedAt: nil, timeout: 3))
    }
}
