import WebhookCore
import WhsLanguage
import WhsSupport

/// What `set NAME VALUE` changes. Each setting has a fixed list of values, which `set` lists
/// and completion offers.
public struct Settings {
    /// csv: RFC 4180, a header row, for spreadsheets (`set format csv`, `--csv`).
    public enum Format: String, CaseIterable { case table, json, csv }
    public enum OnError: String, CaseIterable { case stop, `continue` }
    public enum Color: String, CaseIterable { case auto, on, off }
    /// psql's `\x`: rows as `key: value` blocks always (on), never (off), or when a table
    /// cannot fit the terminal even with its cells cut (auto).
    public enum Expanded: String, CaseIterable { case auto, on, off }
    /// Long output at the prompt through $WHS_PAGER / $PAGER / `less -FRX`: when taller than
    /// the screen (auto), always (on), never (off). Scripts and pipes never page.
    public enum Pager: String, CaseIterable { case auto, on, off }

    public var format: Format = .table
    public var onError: OnError = .stop
    public var echo = false
    public var timing = false
    public var color: Color = .auto
    public var expanded: Expanded = .auto
    public var pager: Pager = .auto
    /// The retry schedule (`set retry_delays 0.2,0.5,1`), signature form (`set signature`),
    /// time scale (`set time_scale`) and body extras (`set payload_extras`) of local pushes.
    public var push = PushOptions()
    public var retrySchedule: RetrySchedule {
        get { push.schedule }
        set { push.schedule = newValue }
    }
    /// Faults on demand for a share of mails, and `late_delay` (`set faults {duplicate: 0.05}`).
    public var faults = FaultRates()
    /// Errors and latency of send calls on purpose (`set api_faults {"500": 0.02, latency: 200ms}`).
    public var apiFaults = APIFaults()
    /// Seconds between the events of one sent mail (`set event_delay 0`), on a local store.
    public var eventDelay = 0.2
    /// The longest `wait=true` waits for deliveries to settle, in seconds (`set wait_timeout 30`):
    /// a retry schedule runs for hours, a statement should not.
    public var waitTimeout = 30.0

    public init() {}

    /// Names and allowed values, in the order `set` lists them.
    public static let choices: [(name: String, values: [String])] = [
        ("format", Format.allCases.map(\.rawValue)),
        ("on_error", OnError.allCases.map(\.rawValue)),
        ("echo", ["on", "off"]),
        ("timing", ["on", "off"]),
        ("color", Color.allCases.map(\.rawValue)),
        ("expanded", Expanded.allCases.map(\.rawValue)),
        ("pager", Pager.allCases.map(\.rawValue)),
        // Free-form: seconds separated by commas; the values are examples for completion.
        ("retry_delays", ["0.2,0.5,1", "none", "standard", "production", RetrySchedule.standard.description]),
        ("signature", SignatureForm.sendable.map(\.rawValue)),
        ("time_scale", ["1", "60", "3600"]),
        ("payload_extras", ["on", "off"]),
        ("faults", ["none", "duplicate=0.05,reorder=0.05"]),
        ("late_delay", ["10", "1", "60"]),
        ("api_faults", ["none", "500=0.02,latency=200ms"]),
        ("event_delay", ["0", "0.2", "1"]),
        ("wait_timeout", ["5", "30", "300"]),
    ]

    public func value(of name: String) -> String? {
        switch name {
        case "format": format.rawValue
        case "on_error": onError.rawValue
        case "echo": echo ? "on" : "off"
        case "timing": timing ? "on" : "off"
        case "color": color.rawValue
        case "expanded": expanded.rawValue
        case "pager": pager.rawValue
        case "retry_delays": retrySchedule.description
        case "signature": push.signature.rawValue
        case "time_scale": RetrySchedule.format(push.timeScale)
        case "payload_extras": push.payloadExtras ? "on" : "off"
        case "faults": faults.description
        case "late_delay": RetrySchedule.format(faults.lateDelay)
        case "api_faults": apiFaults.description
        case "event_delay": RetrySchedule.format(eventDelay)
        case "wait_timeout": RetrySchedule.format(waitTimeout)
        default: nil
        }
    }

    /// Sets `name` to `value`, or says what is allowed.
    public mutating func set(_ name: String, _ value: String) throws {
        guard let choice = Settings.choices.first(where: { $0.name == name }) else {
            let known = Settings.choices.map(\.name)
            let hint = Suggestion.hint(for: name, in: known)
            throw CommandFailure("unknown setting '\(name)'\(hint.isEmpty ? " (settings: \(known.joined(separator: ", ")))" : hint)")
        }
        switch name {
        case "retry_delays":
            do { retrySchedule = try RetrySchedule(parsing: value) } catch { throw CommandFailure("retry_delays: \(error)") }
            return
        case "signature":
            do { push.signature = try SignatureForm.scheme(named: value) } catch { throw CommandFailure("signature: \(error.message)") }
            return
        case "time_scale":
            do { push.timeScale = try PushOptions.timeScale(parsing: value) } catch { throw CommandFailure("time_scale: \(error.message)") }
            return
        case "faults":
            let lateDelay = faults.lateDelay
            do { faults = try FaultRates(parsing: value) } catch { throw CommandFailure("faults: \(error.message)") }
            faults.lateDelay = lateDelay
            return
        case "api_faults":
            do { apiFaults = try APIFaults(parsing: value) } catch { throw CommandFailure("api_faults: \(error.message)") }
            return
        default: break
        }
        func seconds(_ allowed: (Double) -> Bool, _ rule: String) throws -> Double {
            guard let seconds = DurationText.seconds(value), allowed(seconds) else {
                throw CommandFailure("\(name) must be seconds or a duration, \(rule), got '\(value)'")
            }
            return seconds
        }
        if name == "event_delay" {
            eventDelay = try seconds({ $0 >= 0 && $0 <= 3600 }, "from 0 to 1h")
            return
        }
        if name == "late_delay" {
            faults.lateDelay = try seconds({ $0 >= 0 && $0 <= 3600 }, "from 0 to 1h")
            return
        }
        if name == "wait_timeout" {
            waitTimeout = try seconds({ $0 > 0 && $0 <= 86400 }, "more than 0 and at most 24h")
            return
        }
        guard choice.values.contains(value) else {
            throw CommandFailure("\(name) must be \(choice.values.joined(separator: " or ")), got '\(value)'")
        }
        switch name {
        case "format": format = Format(rawValue: value)!
        case "on_error": onError = OnError(rawValue: value)!
        case "echo": echo = value == "on"
        case "timing": timing = value == "on"
        case "expanded": expanded = Expanded(rawValue: value)!
        case "pager": pager = Pager(rawValue: value)!
        case "payload_extras": push.payloadExtras = value == "on"
        default: color = Color(rawValue: value)!
        }
    }
}
