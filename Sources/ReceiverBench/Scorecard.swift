import WebhookDelivery
import WhsSupport

/// How one check went.
public struct CheckResult: Sendable {
    public enum Grade: String, Sendable, CaseIterable {
        case pass, warn, fail
    }

    public let name: String
    public let grade: Grade
    public let reason: String
    /// The (last) status answered; nil without an answer.
    public let status: Int?
    public let latencyMilliseconds: Double?

    public init(name: String, grade: Grade, status: Int?, latencyMilliseconds: Double?, reason: String) {
        self.name = name
        self.grade = grade
        self.reason = reason
        self.status = status
        self.latencyMilliseconds = latencyMilliseconds
    }

    /// `{"name","result","reason","status","latency_ms"}`.
    public var json: JSON {
        .object([
            ("name", .string(name)),
            ("result", .string(grade.rawValue)),
            ("reason", .string(reason)),
            ("status", status.map { .int($0) } ?? .null),
            ("latency_ms", latencyMilliseconds.map { .double(($0 * 10).rounded() / 10) } ?? .null),
        ])
    }

    /// `pass  md5 deliver          200 in 2.1 ms`, the name padded to `width`.
    public func line(nameWidth width: Int) -> String {
        "\(grade.rawValue)  \(name.padding(to: width))  \(reason)"
    }
}

/// The probe's outcome: every check's result, or why the receiver could not be reached.
public struct Scorecard: Sendable {
    public let url: String
    public var results: [CheckResult] = []
    /// Why nothing could be checked: "connection refused", "no such host".
    public var unreachable: String?
    /// Stopped by Ctrl-C before the last check.
    public var interrupted = false
    public var seconds = 0.0

    public init(url: String) { self.url = url }

    public func count(_ grade: CheckResult.Grade) -> Int { results.filter { $0.grade == grade }.count }

    /// Any failure, an unreachable URL or an interrupted run: `whs probe` exits 1.
    public var failed: Bool { unreachable != nil || interrupted || count(.fail) > 0 }

    /// The worst grade: `fail`, `warn` or `pass`.
    public var result: CheckResult.Grade { failed ? .fail : count(.warn) > 0 ? .warn : .pass }

    /// `{"url","checks":[...],"summary":{"checks","pass","warn","fail","result","seconds"}}`,
    /// with `"unreachable"` or `"interrupted"` when so.
    public var json: JSON {
        var summary: [(key: String, value: JSON)] = [("checks", .int(results.count))]
        for grade in CheckResult.Grade.allCases { summary.append((grade.rawValue, .int(count(grade)))) }
        summary.append(("result", .string(result.rawValue)))
        summary.append(("seconds", .double((seconds * 1000).rounded() / 1000)))
        var members: [(key: String, value: JSON)] = [("url", .string(url))]
        if let unreachable { members.append(("unreachable", .string(unreachable))) }
        if interrupted { members.append(("interrupted", .bool(true))) }
        members.append(("checks", .array(results.map(\.json))))
        members.append(("summary", .object(summary)))
        return .object(members)
    }

    /// `24 checks in 1.2 s: 22 pass, 2 warn, 0 fail`.
    public var summaryLine: String {
        let time = RelayOutcome.latency(seconds * 1000)
        let counts = CheckResult.Grade.allCases.map { "\(count($0)) \($0.rawValue)" }.joined(separator: ", ")
        return "\(results.count) check\(results.count == 1 ? "" : "s") in \(time): \(counts)\(interrupted ? " (interrupted)" : "")"
    }

    /// The widest check name, for aligned lines.
    public static let nameWidth = "hmac-sha256 ".count + (ProbeBattery.events.map(\.count).max() ?? 0)
}

extension String {
    /// The text followed by spaces up to `width` characters.
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
