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
        guard (0...9999).contains(year) else {
            func two(_ n: Int) -> String { String(n).leftPadded(2) }
            return "\(String(year).leftPadded(4))-\(two(month))-\(two(day))T\(two(hour)):\(two(minute)):\(two(second)).\(String(ms % 1000).leftPadded(3))Z"
        }
        // The 24 bytes written in place, not seven interpolated strings: a fan-out's answer has
        // two times per delivery.
        // Each field's digits, then the character after it: `2026-11-26T17:03:04.512Z`.
        let fields: [(value: Int, digits: Int, after: UInt8)] = [
            (year, 4, UInt8(ascii: "-")), (month, 2, UInt8(ascii: "-")), (day, 2, UInt8(ascii: "T")), (hour, 2, UInt8(ascii: ":")),
            (minute, 2, UInt8(ascii: ":")), (second, 2, UInt8(ascii: ".")), (ms % 1000, 3, UInt8(ascii: "Z")),
        ]
        return String(unsafeUninitializedCapacity: 24) { out in
            var offset = 0
            for field in fields {
                var rest = field.value
                for index in stride(from: offset + field.digits - 1, through: offset, by: -1) {
                    out[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
                out[offset + field.digits] = field.after
                offset += field.digits + 1
            }
            return 24
        }
    }

    /// Unix seconds of `2026-11-26T17:03:04.512Z` (the form `iso8601` writes); nil for anything else.
    public static func seconds(fromISO8601 text: String) -> Double? {
        let bytes = Array(text.utf8)
        guard bytes.count == 24, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "."), bytes[23] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
              let minute = number(14..<16), let second = number(17..<19), let millis = number(20..<23) else { return nil }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        return Double(days * 86_400 + hour * 3600 + minute * 60 + second) + Double(millis) / 1000
    }

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar: Howard Hinnant's
    /// days-from-civil, the inverse of `civilDate`.
    public static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
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
