import WhsSupport

/// The time a `before=` filter names (`DELETE /v1/mails?before=`, `reset mails before=`): an
/// age (`90s`, `30m`, `2h`, `7d`: that long before now) or an ISO 8601 time
/// (`2026-11-26T15:00:00Z`, with a fraction and an offset as RFC 3339 allows them).
public enum Cutoff {
    static let expected = "an age (90s, 30m, 2h, 7d) or an ISO 8601 time (2026-11-26T15:00:00Z)"

    /// Unix seconds of `text`, an age counted back from `now` or a time.
    public static func seconds(_ text: String, now: Double) throws(WebhookError) -> Double {
        if let age = age(text) { return now - age }
        if let time = time(text) { return time }
        throw .invalidParameter("before must be \(expected), got \(Validation.quoted(String(text.prefix(60))))")
    }

    /// Refuses `before` with a part that has no time (webhooks, templates).
    public static func check(_ parts: Set<ResetPart>, before: Double?) throws(WebhookError) {
        guard before != nil else { return }
        let timeless = parts.filter { !$0.takesCutoff }.sorted().map(\.rawValue)
        if !timeless.isEmpty {
            throw .invalidParameter("before applies to mails and deliveries, not \(timeless.joined(separator: " and "))")
        }
    }

    /// Seconds of an age with its unit: `ms`, `s`, `m`, `h` as every duration of whs, and `d`
    /// for days. A bare number is refused: it could as well be a unix time.
    public static func age(_ text: String) -> Double? {
        guard let last = text.last, last.isLetter else { return nil }
        if text.hasSuffix("d"), !text.hasSuffix("ms") {
            let number = String(text.dropLast())
            guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let days = Double(number),
                  days.isFinite else { return nil }
            return days * 86_400
        }
        guard text.first?.isNumber == true, let seconds = DurationText.seconds(text), seconds.isFinite else { return nil }
        return seconds
    }

    /// Unix seconds of an RFC 3339 time: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (`t`, `z`
    /// and a space for `T` too); nil for anything else, a day that does not exist included.
    public static func time(_ text: String) -> Double? {
        let b = Array(text.utf8)
        guard b.count >= 20 else { return nil }
        func digits(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= b.count else { return nil }
            var value = 0
            for byte in b[range] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(b[10]),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let year = digits(0..<4), let month = digits(5..<7), let day = digits(8..<10),
              let hour = digits(11..<13), let minute = digits(14..<16), let second = digits(17..<19),
              (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour <= 23, minute <= 59, second <= 60 else { return nil }
        var index = 19
        var fraction = 0.0
        if b[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < b.count, b[index] >= UInt8(ascii: "0"), b[index] <= UInt8(ascii: "9") {
                fraction += Double(b[index] - UInt8(ascii: "0")) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < b.count else { return nil }
        var offset = 0
        switch b[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == b.count, b[index + 3] == UInt8(ascii: ":"), let hours = digits(index + 1..<index + 3),
                  let minutes = digits(index + 4..<index + 6), hours <= 23, minutes <= 59 else { return nil }
            offset = (hours * 3600 + minutes * 60) * (b[index] == UInt8(ascii: "-") ? -1 : 1)
            index += 6
        default:
            return nil
        }
        guard index == b.count else { return nil }
        let days = Clock.daysSinceEpoch(year: year, month: month, day: day)
        return Double(days * 86_400 + hour * 3600 + minute * 60 + second - offset) + fraction
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
