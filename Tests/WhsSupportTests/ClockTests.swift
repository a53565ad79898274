import Testing
import WhsSupport

/// ISO 8601 times as whs writes them (UTC, milliseconds) and reads them back.
@Suite struct ClockTests {
    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00.000Z"),
        (1_764_176_584.512, "2025-11-26T17:03:04.512Z"),
        (1_795_800_000.0999, "2026-11-27T17:20:00.099Z"),
        (951_782_400.0, "2000-02-29T00:00:00.000Z"),
        (-1.0, "1969-12-31T23:59:59.000Z"),
        (-62_135_596_800.0, "0001-01-01T00:00:00.000Z"),
        (253_402_300_799.5, "9999-12-31T23:59:59.500Z"),
    ])
    func timesAreWrittenInUTCWithMilliseconds(_ seconds: Double, _ text: String) {
        #expect(Clock.iso8601(seconds) == text)
    }

    @Test func aWrittenTimeReadsBackToItsMillisecond() throws {
        for seconds in [0.0, 1_764_176_584.512, 951_782_400.25, 1_234_567_890.001] {
            let read = try #require(Clock.seconds(fromISO8601: Clock.iso8601(seconds)))
            #expect(abs(read - seconds) < 0.0015, "\(seconds)")
        }
    }

    @Test func yearsPastFourDigitsStillWrite() {
        #expect(Clock.iso8601(253_402_300_800.0) == "10000-01-01T00:00:00.000Z")
    }
}
