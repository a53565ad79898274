import WhsSupport

/// How long to wait before each retry, in seconds: the first entry before the first retry.
/// Up to 7 retries (API.md, "Event push"); a failed push has 1 + `delays.count` attempts.
public struct RetrySchedule: Sendable, Equatable, CustomStringConvertible {
    public let delays: [Double]

    public static let maxRetries = 7
    /// 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h: about 3 h 43 min from the first attempt
    /// to the last, so a receiver that is down for a deploy or an afternoon still gets the event.
    public static let standard = RetrySchedule(checked: [5, 30, 120, 600, 1800, 3600, 7200])

    /// 3 min, 10 min, 30 min, 1 h, 6 h, 12 h, 24 h: the same platform's documented schedule
    /// (docs/FIDELITY.md), about 44 h from the first attempt to the last. With a time scale
    /// (`--time-scale 3600`) a test plays it in under a minute.
    public static let production = RetrySchedule(checked: [180, 600, 1800, 3600, 21_600, 43_200, 86_400])

    /// The schedules with names, for `--retry-delays NAME` and `set retry_delays NAME`.
    public static let named: [(name: String, schedule: RetrySchedule)] = [("standard", .standard), ("production", .production), ("none", RetrySchedule(checked: []))]

    init(checked delays: [Double]) { self.delays = delays }

    /// Checks a schedule: at most 7 delays, each from 0.01 s to a day.
    public init(_ delays: [Double]) throws(RetryScheduleError) {
        guard delays.count <= RetrySchedule.maxRetries else {
            throw RetryScheduleError(message: "at most \(RetrySchedule.maxRetries) retry delays, got \(delays.count)")
        }
        for delay in delays where !(0.01...86_400).contains(delay) {
            throw RetryScheduleError(message: "a retry delay is 0.01 to 86400 seconds, got \(RetrySchedule.format(delay))")
        }
        self.delays = delays
    }

    /// `0.2,0.5,1` (seconds, comma separated) or durations (`5s,30s,2m`); a name (`standard`,
    /// `production`, `none`); empty for no retries.
    public init(parsing text: String) throws(RetryScheduleError) {
        let trimmed = text.filter { $0 != " " }
        if trimmed.isEmpty {
            self.init(checked: [])
            return
        }
        if let known = RetrySchedule.named.first(where: { $0.name == trimmed.lowercased() }) {
            self = known.schedule
            return
        }
        var delays: [Double] = []
        for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            guard let delay = DurationText.seconds(String(part)) else {
                let names = RetrySchedule.named.map(\.name)
                let hint = trimmed.contains(",") ? "" : Suggestion.hint(for: trimmed, in: names)
                throw RetryScheduleError(message: "retry delays are a schedule's name (\(names.joined(separator: ", "))) or seconds or durations separated by commas (e.g. 0.2,0.5,1 or 5s,30s,2m), got \"\(text)\"\(hint)")
            }
            delays.append(delay)
        }
        try self.init(delays)
    }

    /// The wait before the next attempt once `attemptsMade` attempts failed; nil when none is left.
    public func delay(afterAttempts attemptsMade: Int) -> Double? {
        attemptsMade >= 1 && attemptsMade <= delays.count ? delays[attemptsMade - 1] : nil
    }

    public var description: String {
        if delays.isEmpty { return "none" }
        if self == .production { return "production" }
        return delays.map(RetrySchedule.format).joined(separator: ",")
    }

    /// Seconds as people write them: `2` for 2.0, `0.5` for 0.5.
    public static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() && abs(seconds) < 1e9 ? String(Int(seconds)) : String(seconds)
    }
}

public struct RetryScheduleError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
