import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import WebhookCore
import WebhookDelivery
import WhsSupport

/// `whs probe`: pushes the battery at one URL, one check after another (a receiver sees
/// them in a known order), each with the 3 s a sender waits, and grades every answer.
public final class Probe: Sendable {
    public let url: String
    let appKey: String
    /// Seconds an answer may take (EngageLab's "within 3s").
    public let timeout: Double
    /// Seconds after which an accepted push is a warning.
    public let slow: Double
    /// After this many checks in a row got no answer at all, the rest are not sent: a
    /// receiver that hangs would otherwise hold the probe for 3 s a check.
    public static let unansweredBeforeGivingUp = 3

    public init(url: String, appKey: String, timeout: Double = 3, slow: Double = 1) {
        self.url = url
        self.appKey = appKey
        self.timeout = timeout
        self.slow = slow
    }

    /// What a push got.
    public struct Answer: Sendable {
        public var status: Int?
        public var latencyMilliseconds: Double
        /// Why there is no answer: "connection refused", "no answer within 3 s".
        public var error: String?
        /// The start of the answer's body, on one line.
        public var excerpt = ""
        /// The connection itself failed (refused, no such host, no route, no TLS): nothing
        /// at this URL is listening.
        public var unreachable = false

        public init(status: Int?, latencyMilliseconds: Double, error: String? = nil, excerpt: String = "", unreachable: Bool = false) {
            self.status = status
            self.latencyMilliseconds = latencyMilliseconds
            self.error = error
            self.excerpt = excerpt
            self.unreachable = unreachable
        }
    }

    /// Runs `checks` (the battery by default). The first push is also the reachability check:
    /// if it cannot connect at all, the scorecard says so and nothing else is sent.
    public func run(_ checks: [ProbeCheck]? = nil, onResult: @escaping @Sendable (CheckResult) -> Void = { _ in },
                    isInterrupted: @escaping @Sendable () -> Bool = { false }) async -> Scorecard {
        let checks = checks ?? ProbeBattery.checks()
        let client = makeClient()
        let started = ContinuousClock.now
        var card = Scorecard(url: url)
        var unansweredInARow = 0
        for (index, check) in checks.enumerated() {
            if isInterrupted() {
                card.interrupted = true
                break
            }
            let result: CheckResult
            if unansweredInARow >= Probe.unansweredBeforeGivingUp {
                result = CheckResult(name: check.name, grade: .fail, status: nil, latencyMilliseconds: nil,
                                     reason: "not sent: the last \(Probe.unansweredBeforeGivingUp) checks got no answer within \(RetrySchedule.format(timeout)) s")
            } else {
                var answers: [Answer] = []
                for _ in 0..<check.times { answers.append(await send(check, with: client)) }
                if index == 0, answers[0].unreachable {
                    card.unreachable = answers[0].error ?? "no connection"
                    break
                }
                unansweredInARow = answers.contains { $0.status == nil } ? unansweredInARow + 1 : 0
                result = Probe.grade(check, answers, timeout: timeout, slow: slow)
            }
            card.results.append(result)
            onResult(result)
        }
        try? await client.shutdown()
        let elapsed = ContinuousClock.now - started
        card.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return card
    }

    func makeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        let milliseconds = Int64(timeout * 1000)
        configuration.timeout = .init(connect: .milliseconds(milliseconds), read: .milliseconds(milliseconds))
        // A refused connection is an answer at once (the URL is unreachable), not a reason to
        // try again within the 3 s.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// The headers `check` is pushed with, signed now.
    func headers(_ check: ProbeCheck, now: Int) -> [(String, String)] {
        switch check.signing {
        case .valid(let variant): return PushSender.headers(timestamp: now, appKey: appKey, signature: variant)
        case .forged: return PushSender.headers(timestamp: now, appKey: appKey, signature: .md5, forged: true)
        case .missing: return PushSender.headers(timestamp: now, appKey: appKey).filter { $0.0 != "X-WebHook-Signature" }
        case .stale(let seconds): return PushSender.headers(timestamp: now - seconds, appKey: appKey, signature: .md5)
        }
    }

    func send(_ check: ProbeCheck, with client: HTTPClient) async -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers(check, now: Int(Clock.now())) { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: check.body))
        let started = ContinuousClock.now
        func elapsed() -> Double {
            let duration = ContinuousClock.now - started
            return Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        }
        do {
            // A little past the 3 s, so that a connection that cannot be made within them fails
            // as such (unreachable) rather than as the request's deadline; grading holds
            // answers to the 3 s.
            let response = try await client.execute(request, deadline: .now() + .milliseconds(Int64(timeout * 1000) + 250))
            var body: [UInt8] = []
            for try await part in response.body where body.count < 4096 { body.append(contentsOf: part.readableBytesView.prefix(4096 - body.count)) }
            return Answer(status: Int(response.status.code), latencyMilliseconds: elapsed(), excerpt: Probe.excerpt(body))
        } catch {
            let (text, unreachable) = Probe.describe(error, timeout: timeout)
            return Answer(status: nil, latencyMilliseconds: elapsed(), error: text, unreachable: unreachable)
        }
    }

    /// A failed request in words, and whether it failed to connect at all.
    static func describe(_ error: any Error, timeout: Double) -> (String, unreachable: Bool) {
        let seconds = RetrySchedule.format(timeout)
        if let client = error as? HTTPClientError {
            switch client {
            case .connectTimeout: return ("no connection within \(seconds) s", true)
            case .deadlineExceeded, .readTimeout: return ("no answer within \(seconds) s", false)
            case .remoteConnectionClosed: return ("the receiver closed the connection without an answer", false)
            default: break
            }
        }
        let text = String(describing: error)
        if text.contains("onnection refused") { return ("connection refused", true) }
        if text.contains("dnsAError") || text.contains("dnsAAAAError") || text.contains("SocketAddressError") { return ("no such host", true) }
        if text.contains("nreachable") || text.contains("o route to host") { return ("no route to the host", true) }
        if text.contains("NIOSSL") || text.contains("BoringSSL") || text.contains("handshake") { return ("TLS failed: \(text.prefix(160))", true) }
        if text.contains("imeout") || text.contains("deadline") { return ("no answer within \(seconds) s", false) }
        if text.contains("losedChannel") || text.contains("closed channel") { return ("the receiver closed the connection without an answer", false) }
        return (String(text.prefix(200)), false)
    }

    /// The first line of an answer's body, at most 60 characters, for a reason.
    static func excerpt(_ body: [UInt8]) -> String {
        let text = String(decoding: body, as: UTF8.self)
        let line = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).first.map(String.init) ?? ""
        let trimmed = line.trimmingBlanks
        return trimmed.count > 60 ? String(trimmed.prefix(59)) + "…" : String(trimmed)
    }

    /// `check`'s grade from the answers it got (two for a duplicate).
    public static func grade(_ check: ProbeCheck, _ answers: [Answer], timeout: Double, slow: Double) -> CheckResult {
        let last = answers.last ?? Answer(status: nil, latencyMilliseconds: 0, error: "not sent")
        func result(_ grade: CheckResult.Grade, _ reason: String, _ answer: Answer = last) -> CheckResult {
            CheckResult(name: check.name, grade: grade, status: answer.status, latencyMilliseconds: answer.latencyMilliseconds, reason: reason)
        }
        func which(_ index: Int) -> String { answers.count == 1 ? "" : index == 0 ? " (the first time)" : " (the second time)" }
        func quoted(_ answer: Answer) -> String { answer.excerpt.isEmpty ? "" : " (\(answer.excerpt))" }
        let deadline = timeout * 1000
        let missed: CheckResult.Grade = check.expectation == .acceptedPreferably ? .warn : .fail
        if let index = answers.firstIndex(where: { $0.status == nil }) {
            let answer = answers[index]
            return result(missed, "\(answer.error ?? "no answer") to \(check.what)\(which(index)): \(check.advice)", answer)
        }
        if let index = answers.firstIndex(where: { $0.latencyMilliseconds > deadline }) {
            let answer = answers[index]
            return result(missed, "answered \(answer.status!) after \(RelayOutcome.latency(answer.latencyMilliseconds)) to \(check.what)\(which(index)), "
                + "later than the \(RetrySchedule.format(timeout)) s a sender waits: \(check.advice)", answer)
        }
        let slowest = answers.map(\.latencyMilliseconds).max() ?? 0
        let statuses = answers.map { String($0.status!) }.joined(separator: " and ")
        switch check.expectation {
        case .accepted, .acceptedPreferably:
            if let index = answers.firstIndex(where: { !PushSender.isReceived($0.status!) }) {
                let answer = answers[index]
                let status = answer.status!
                let only = (200..<300).contains(status) ? " (only 200 and 204 count as received)" : ""
                return result(missed, "answered \(status)\(quoted(answer))\(only) to \(check.what)\(which(index)): \(check.advice)", answer)
            }
            if slowest > slow * 1000 {
                return result(.warn, "\(statuses) in \(RelayOutcome.latency(slowest)), slower than \(RetrySchedule.format(slow)) s "
                    + "(a sender waits \(RetrySchedule.format(timeout)) s, then pushes again)")
            }
            return result(.pass, "\(statuses) in \(RelayOutcome.latency(slowest))")
        case .refused:
            let status = last.status!
            switch status {
            case 400..<500: return result(.pass, "refused with \(status) in \(RelayOutcome.latency(slowest))")
            case 200..<300: return result(.fail, "accepted \(check.what) (\(status)): \(check.advice)")
            case 500..<600: return result(.fail, "answered \(status)\(quoted(last)) to \(check.what): a 5xx asks for the push again; \(check.advice)")
            default: return result(.fail, "answered \(status) to \(check.what): \(check.advice)")
            }
        }
    }
}
