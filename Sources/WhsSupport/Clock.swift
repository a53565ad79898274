import Glibc

/// Wall-clock time as unix seconds, and its ISO 8601 form, without Foundation.
public enum Clock {
    /// Now, in unix seconds with sub-second precision.
    public static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// `2026-11-26T17:03:04.512Z` (UTC, milliseconds).
    public static func iso8601(_ seconds: Double) -> String {
        let millis = Int((seconds * 1000).rounded(.down))
        let (days, inDay) = millis.quotientAndRemainder(dividingBy: 86_400_000)
        let (year, month, day) = civilDate(daysSinceEpoch: inDay < 0 ? days - 1 : days)
        let ms = inDay < 0 ? inDay + 86_400_000 : inDay
        let hour = ms / 3_600_000, minute = ms / 60_000 % 60, second = ms / 1000 % 60
        func two(_ n: Int) -> String { String(n).leftPadded(2) }
        return "\(String(year).leftPadded(4))-\(two(month))-\(two(day))T\(two(hour)):\(two(minute)):\(two(second)).\(String(ms % 1000).leftPadded(3))Z"
    }

    /// Year, month and day of a day count since 1970-01-01 (Howard Hinnant's days-to-civil).
    static func civilDate(daysSinceEpoch: Int) -> (Int, Int, Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
