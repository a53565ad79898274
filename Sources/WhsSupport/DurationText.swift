/// Durations as people write them: `250ms`, `5s`, `2m`, `1h`, `1.5s`. The language's duration
/// literals, `sleep`, `wait`, and every setting that takes a time read them here.
public enum DurationText {
    /// Each unit with its length in seconds, the longest suffix first so that `ms` wins over `m`.
    public static let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]

    /// Seconds of a duration (`1.5s`) or of a plain number of seconds (`1.5`); nil otherwise.
    public static func seconds(_ text: String) -> Double? {
        let trimmed = String(text.trimmingBlanks)
        if let plain = Double(trimmed), plain.isFinite, isPlainNumber(trimmed) { return plain }
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            let number = String(trimmed.dropLast(unit.suffix.count))
            guard isPlainNumber(number), let value = Double(number), value.isFinite else { return nil }
            return value * unit.seconds
        }
        return nil
    }

    /// Digits with at most one decimal point inside: no sign, exponent, `inf` or `nan`.
    static func isPlainNumber(_ text: String) -> Bool {
        var sawPoint = false, sawDigit = false, last: UInt8 = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                if sawPoint || !sawDigit { return false }
                sawPoint = true
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                sawDigit = true
            } else {
                return false
            }
            last = byte
        }
        return sawDigit && last != UInt8(ascii: ".")
    }

    /// `seconds` in the unit at `index` of `units`: `1.5s`, `1500ms`.
    public static func format(_ seconds: Double, in index: Int) -> String {
        number(seconds / units[index].seconds) + units[index].suffix
    }

    static func number(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        return rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int(rounded)) : String(rounded)
    }

    /// The shortest way to write `seconds`: `1h`, `2m`, `5s`, `1.5s`, `250ms`.
    public static func format(_ seconds: Double) -> String {
        if seconds != 0, seconds.truncatingRemainder(dividingBy: 3600) == 0 { return number(seconds / 3600) + "h" }
        if seconds != 0, seconds.truncatingRemainder(dividingBy: 60) == 0 { return number(seconds / 60) + "m" }
        if abs(seconds) < 1, seconds != 0 { return number(seconds * 1000) + "ms" }
        return number(seconds) + "s"
    }
}
