import WhsLanguage
import WhsSupport

/// `probe`'s scorecard for people: one row per check, then the sums. `--json` shows the
/// document whole.
extension Renderer {
    func scorecardTable(_ object: Object) -> String? {
        guard case .string(let url)? = object["url"], case .list(let checks)? = object["checks"],
              case .object(let summary)? = object["summary"] else { return nil }
        var rows: [Value] = []
        for item in checks {
            guard case .object(let check) = item else { return nil }
            var latency = ""
            if let milliseconds = check["latency_ms"], milliseconds != .null { latency = "\(milliseconds.plainText) ms" }
            rows.append(.object(Object([
                ("result", .string(check["result"]?.plainText ?? "")),
                ("check", check["name"] ?? .null),
                ("status", check["status"] ?? .null),
                ("latency", .string(latency)),
                ("reason", check["reason"] ?? .null),
            ])))
        }
        var lines = [dim("probe: \(url)")]
        if let table = table(rows) { lines.append(table) }
        if case .string(let unreachable)? = object["unreachable"] { lines.append("unreachable: \(unreachable)") }
        func count(_ key: String) -> String { summary[key]?.plainText ?? "0" }
        let interrupted = object["interrupted"] == .bool(true) ? " (interrupted)" : ""
        lines.append(dim("(\(count("checks")) checks in \(count("seconds")) s: \(count("pass")) pass, \(count("warn")) warn, \(count("fail")) fail\(interrupted))"))
        return lines.joined(separator: "\n")
    }
}
