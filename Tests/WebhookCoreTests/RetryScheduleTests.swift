import Testing
import WebhookCore

@Suite struct RetryScheduleTests {
    @Test func standardIsSevenGrowingDelays() {
        let delays = RetrySchedule.standard.delays
        #expect(delays.count == 7)
        #expect(zip(delays, delays.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test(arguments: [
        ("0.2,0.5,1", [0.2, 0.5, 1.0]),
        ("0.2, 0.5, 1", [0.2, 0.5, 1.0]),
        ("3", [3.0]),
        ("none", []),
        ("", []),
    ])
    func parses(_ text: String, _ delays: [Double]) throws {
        #expect(try RetrySchedule(parsing: text).delays == delays)
    }

    @Test(arguments: ["1,2,3,4,5,6,7,8", "0", "-1", "a,b", "1,,2", "100000"])
    func refuses(_ text: String) {
        #expect(throws: RetryScheduleError.self) { try RetrySchedule(parsing: text) }
    }

    @Test func delayAfterEachFailedAttempt() throws {
        let schedule = try RetrySchedule([0.1, 0.2])
        #expect(schedule.delay(afterAttempts: 1) == 0.1)
        #expect(schedule.delay(afterAttempts: 2) == 0.2)
        #expect(schedule.delay(afterAttempts: 3) == nil)
        #expect(schedule.description == "0.1,0.2")
    }
}
