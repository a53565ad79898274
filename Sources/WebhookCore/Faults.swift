import WhsSupport

/// A fault injected into a mail's pushes, so that a receiver's idempotency and ordering are
/// proven rather than hoped for (docs/SENDING.md, "Faults on demand"). Asked for one mail by
/// an address tag (`ann+dup@example.com`), or for a share of all mails by `FaultRates`.
/// Every delivery a fault made or moved carries its name in the delivery log.
public enum DeliveryFault: String, Sendable, CaseIterable {
    /// The mail's last event is pushed twice (the copy is marked).
    case duplicate
    /// The mail's pushes arrive in reverse order.
    case reorder
    /// The mail's pushes are held back by `late_delay`.
    case late
    /// One more push of the mail's last event, signed with a wrong key as an attacker would;
    /// tried once, never retried.
    case badsig

    /// The address tag that asks for it.
    public var tag: String { self == .duplicate ? "dup" : rawValue }

    /// The faults a recipient's tags ask for.
    public static func tagged(_ address: MailAddress) -> Set<DeliveryFault> { tagged(tags: address.tags) }

    /// The same from `+` tags already read (`MailAddress.tags`).
    public static func tagged(tags: [String]) -> Set<DeliveryFault> {
        guard !tags.isEmpty else { return [] }
        return Set(allCases.filter { tags.contains($0.tag) })
    }

    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// The share of mails that get each fault (`--faults duplicate=0.05,reorder=0.05`,
/// `set faults {duplicate: 0.05}`): chaos over a whole test suite. Each mail draws each
/// fault on its own.
public struct FaultRates: Sendable, Equatable, CustomStringConvertible {
    public private(set) var rates: [DeliveryFault: Double] = [:]
    /// How long `late` holds a mail's pushes back, in seconds (`late_delay`).
    public var lateDelay = FaultRates.defaultLateDelay
    public static let defaultLateDelay = 10.0

    public init() {}

    public var isEmpty: Bool { rates.isEmpty }

    /// `duplicate=0.05,reorder=0.05`; `none` or empty for none.
    public init(parsing text: String) throws(WebhookError) {
        try self.init(pairs: try FaultRates.pairs(text, form: "faults are NAME=SHARE separated by commas (e.g. duplicate=0.05,reorder=0.05)"))
    }

    /// `NAME=VALUE,NAME=VALUE` as pairs; `none` or empty for none. `form` says what is expected.
    static func pairs(_ text: String, form: String) throws(WebhookError) -> [(String, String)] {
        let trimmed = text.filter { $0 != " " }
        var pairs: [(String, String)] = []
        for part in trimmed.split(separator: ",") where trimmed != "none" {
            let halves = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard halves.count == 2 else { throw .invalidParameter("\(form), got \(Validation.quoted(String(part)))") }
            pairs.append((halves[0], halves[1]))
        }
        return pairs
    }

    /// `{duplicate: 0.05, reorder: 0.05}` as the shell gives it.
    public init(pairs: [(name: String, share: String)]) throws(WebhookError) {
        for (name, share) in pairs {
            guard let fault = DeliveryFault(rawValue: name) else {
                throw .invalidParameter("unknown fault \(Validation.quoted(name))\(Suggestion.hint(for: name, in: DeliveryFault.allCases.map(\.rawValue))) (known: \(DeliveryFault.names))")
            }
            guard let value = Double(share), (0...1).contains(value) else {
                throw .invalidParameter("the share of \(name) is a number from 0 to 1, got \(Validation.quoted(share))")
            }
            if value > 0 { rates[fault] = value } else { rates[fault] = nil }
        }
    }

    /// The faults one mail gets, drawn now.
    public func draw() -> Set<DeliveryFault> {
        Set(rates.compactMap { fault, share in Double.random(in: 0..<1) < share ? fault : nil })
    }

    public var description: String {
        rates.isEmpty ? "none" : DeliveryFault.allCases.compactMap { fault in rates[fault].map { "\(fault.rawValue)=\(RetrySchedule.format($0))" } }.joined(separator: ",")
    }
}

/// Errors and slowness the send API answers with on purpose (`--api-faults
/// 500=0.02,latency=200ms`): what an SDK's caller must survive. A call picked for an error
/// does nothing else: nothing is sent, logged or remembered.
public struct APIFaults: Sendable, Equatable, CustomStringConvertible {
    /// HTTP status → the share of calls answered with it.
    public private(set) var errors: [(status: Int, share: Double)] = []
    /// Added to every call, in seconds.
    public private(set) var latency = 0.0

    public init() {}

    public var isEmpty: Bool { errors.isEmpty && latency == 0 }

    public static func == (a: APIFaults, b: APIFaults) -> Bool {
        a.latency == b.latency && a.errors.map(\.status) == b.errors.map(\.status) && a.errors.map(\.share) == b.errors.map(\.share)
    }

    /// `500=0.02,429=0.01,latency=200ms`; `none` or empty for none.
    public init(parsing text: String) throws(WebhookError) {
        try self.init(pairs: try FaultRates.pairs(text, form: "api faults are STATUS=SHARE or latency=DURATION separated by commas (e.g. 500=0.02,latency=200ms)"))
    }

    public init(pairs: [(name: String, value: String)]) throws(WebhookError) {
        for (name, value) in pairs {
            if name == "latency" {
                guard let seconds = DurationText.seconds(value), (0...30).contains(seconds) else {
                    throw .invalidParameter("latency is a duration from 0 to 30s, got \(Validation.quoted(value))")
                }
                latency = seconds
                continue
            }
            guard let status = Int(name), (400...599).contains(status) else {
                throw .invalidParameter("unknown api fault \(Validation.quoted(name)) (known: an HTTP status from 400 to 599, e.g. 500 or 429, and latency)")
            }
            guard let share = Double(value), (0...1).contains(share) else {
                throw .invalidParameter("the share of \(status) is a number from 0 to 1, got \(Validation.quoted(value))")
            }
            errors.removeAll { $0.status == status }
            if share > 0 { errors.append((status, share)) }
        }
        guard errors.reduce(0, { $0 + $1.share }) <= 1 else { throw .invalidParameter("the shares of the api faults add up to more than 1") }
    }

    /// The error this call is answered with, drawn now; nil for a call that goes through.
    public func draw() -> WebhookError? {
        guard !errors.isEmpty else { return nil }
        var roll = Double.random(in: 0..<1)
        for (status, share) in errors {
            if roll < share {
                return .server(code: status * 100, status: status, message: "injected by api faults: this call failed on purpose with HTTP \(status) and sent nothing")
            }
            roll -= share
        }
        return nil
    }

    public var description: String {
        var parts = errors.map { "\($0.status)=\(RetrySchedule.format($0.share))" }
        if latency > 0 { parts.append("latency=\(DurationText.format(latency, in: latency < 1 ? 0 : 1))") }
        return parts.isEmpty ? "none" : parts.joined(separator: ",")
    }
}
