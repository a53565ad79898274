import Glibc
import WhsSupport

/// What a command's `wait=` asks for: how long to wait for its deliveries to settle, who hears
/// each attempt as it happens (the prompt does; scripts do only with `--echo`), and when to
/// stop because the user pressed Ctrl-C.
public struct DeliveryWait {
    public var timeout: Double
    public var progress: ((String) -> Void)?
    public var isInterrupted: () -> Bool

    public init(timeout: Double, progress: ((String) -> Void)? = nil, isInterrupted: @escaping () -> Bool = { false }) {
        self.timeout = timeout
        self.progress = progress
        self.isInterrupted = isInterrupted
    }
}

extension DeliveryStore {
    /// Waits on this store's log for deliveries of one message (a local backend's wait).
    public func watch(account: String, _ ids: Set<Int>, messageID: String, _ wait: DeliveryWait) throws(WebhookError) -> (deliveries: [JSON], pending: Int) {
        guard !ids.isEmpty else { return ([], 0) }
        return try DeliveryWatcher.watch(ids, wait, pollMicroseconds: 20_000) { () throws(WebhookError) -> [JSON] in
            try deliveries(account: account, DeliveryQuery(messageID: messageID, limit: Int.max)).map(\.json)
        }
    }
}

/// A trigger's answer (`{message_id, count, deliveries, note?}`) with the deliveries a wait
/// read, and a note when some are still pending.
public func waitedAnswer(_ answer: JSON, _ watched: (deliveries: [JSON], pending: Int), _ wait: DeliveryWait) -> JSON {
    guard case .object(let fields) = answer else { return answer }
    var members = fields.filter { $0.key != "note" }.map { $0.key == "deliveries" ? ($0.key, JSON.array(watched.deliveries)) : $0 }
    if watched.pending > 0 { members.append(("note", .string(DeliveryWatcher.note(pending: watched.pending, after: wait)))) }
    else if let note = answer["note"] { members.append(("note", note)) }
    return .object(members)
}

/// Waits on the delivery log, whatever the backend: reads the deliveries of a message until
/// every one of `ids` has settled or the wait's time is up, telling each new attempt to the
/// wait's `progress` on the way. The log is the truth on both sides (a local dispatcher writes
/// an attempt there before it counts as settled; a server answers from its own log).
public enum DeliveryWatcher {
    /// The deliveries (wire JSON, as `read` gives them) once settled or out of time, and how
    /// many are still pending.
    public static func watch(_ ids: Set<Int>, _ wait: DeliveryWait, pollMicroseconds: UInt32,
                             read: () throws(WebhookError) -> [JSON]) throws(WebhookError) -> (deliveries: [JSON], pending: Int) {
        let deadline = Clock.now() + wait.timeout
        var shown: [Int: Int] = [:]
        while true {
            let mine = try read().filter { ids.contains(id($0) ?? -1) }
            if let progress = wait.progress {
                for delivery in mine {
                    guard let id = id(delivery), case .array(let attempts)? = delivery["attempts"] else { continue }
                    for attempt in attempts.dropFirst(shown[id] ?? 0) { progress(line(delivery, attempt)) }
                    shown[id] = attempts.count
                }
            }
            let pending = ids.count - mine.filter { $0["state"] != .string(DeliveryState.pending.rawValue) }.count
            if pending == 0 || Clock.now() >= deadline { return (mine, pending) }
            if wait.isInterrupted() { throw .unreachable("interrupted while waiting; the deliveries go on in the background") }
            usleep(pollMicroseconds)
        }
    }

    /// `08:51:02.123  deliver  http://127.0.0.1:9/h  timed out after 3 s in 3001.2 ms  (retry in 5 s)`.
    public static func line(_ delivery: JSON, _ attempt: JSON) -> String {
        func text(_ value: JSON?) -> String { if case .string(let s)? = value { s } else { "" } }
        let time = text(attempt["time"])
        let clock = time.count >= 23 ? String(time.dropFirst(11).prefix(12)) : time
        var latency = ""
        switch attempt["latency_ms"] {
        case .double(let ms)?: latency = " in \((ms * 10).rounded() / 10) ms"
        case .int(let ms)?: latency = " in \(ms) ms"
        default: break
        }
        var outcome: String
        if case .string(let error)? = attempt["error"] { outcome = error + latency }
        else if case .int(let status)? = attempt["status"] { outcome = "\(status)\(latency)" }
        else { outcome = "?" }
        if delivery["state"] == .string(DeliveryState.pending.rawValue), let next = Clock.seconds(fromISO8601: text(delivery["next_attempt"])),
           let at = Clock.seconds(fromISO8601: time) {
            outcome += "  (retry in \(RetrySchedule.format(max(0, ((next - at) * 10).rounded() / 10))) s)"
        } else if delivery["state"] == .string(DeliveryState.failed.rawValue) {
            outcome += "  (no retries left)"
        } else if delivery["state"] == .string(DeliveryState.cancelled.rawValue) {
            outcome += "  (cancelled: no more attempts)"
        }
        return "\(clock)  \(text(delivery["event"]))  \(text(delivery["url"]))  \(outcome)"
    }

    public static func id(_ delivery: JSON) -> Int? { if case .int(let id)? = delivery["id"] { id } else { nil } }

    /// What a wait that ran out of time says in the value it returns.
    public static func note(pending: Int, after wait: DeliveryWait) -> String {
        "\(pending) deliver\(pending == 1 ? "y is" : "ies are") still pending after \(RetrySchedule.format(wait.timeout)) s; "
            + "\(pending == 1 ? "it goes" : "they go") on in the background (deliveries shows them)"
    }
}
