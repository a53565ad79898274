import Dispatch
import HTTPServing
import NIOCore
import NIOHTTP1
import Synchronization
import WebhookCore
import WhsSupport

/// A push as a receiver saw it: the signature headers, the body, the verdict on the signature
/// and the status it was answered with.
public struct ReceivedPush: Sendable {
    public let time: Double
    public let method: String
    public let path: String
    /// Every header, as it came (names as the sender wrote them): what `--save` keeps.
    public let headers: [(name: String, value: String)]
    public let timestamp: String?
    public let appKeyHeader: String?
    public let signature: String?
    public let body: [UInt8]
    public let verdict: Signature.Verdict
    public let status: Int
    /// What the application's handler answered, when the push was forwarded (`--forward-to`).
    public let relayed: RelayOutcome?

    /// The body as JSON, when it is JSON.
    public var json: JSON? { try? JSON.parse(bytes: body) }

    /// `deliver`, `open`...: the event `status.message_status` or `response.event` of the
    /// body names (as whs names it; an unknown name as it came).
    public var event: String? {
        guard let json else { return nil }
        var wire: String?
        if case .string(let name)? = json["status"]?["message_status"] { wire = name }
        else if case .string(let name)? = json["response"]?["event"] { wire = name }
        guard let wire else { return nil }
        return EventType.withWireName(wire)?.name ?? wire
    }

    public var messageID: String? { json.flatMap(EventPayload.messageID(of:)) }

    /// `{"time","event","message_id","signature","status","path","headers","body"}`.
    public var report: JSON {
        var headers: [(key: String, value: JSON)] = []
        if let timestamp { headers.append(("X-WebHook-Timestamp", .string(timestamp))) }
        if let appKeyHeader { headers.append(("X-WebHook-AppKey", .string(appKeyHeader))) }
        if let signature { headers.append(("X-WebHook-Signature", .string(signature))) }
        return .object([
            ("time", .string(Clock.iso8601(time))),
            ("event", event.map { .string($0) } ?? .null),
            ("message_id", messageID.map { .string($0) } ?? .null),
            ("signature", .string(verdict.word)),
            ("status", .int(status)),
            ("path", .string(path)),
            ("headers", .object(headers)),
            ("body", json ?? .string(String(decoding: body, as: UTF8.self))),
        ] + (relayed.map { [("handler", $0.report)] } ?? []))
    }

    /// One line for a terminal: `17:03:04.512 deliver 1764..._9f3c2a71 signature ok (hmac-sha256) -> 200`.
    public var line: String {
        let clock = Clock.iso8601(time).split(separator: "T").last.map { String($0.dropLast()) } ?? ""
        let handler = relayed.map { " (\($0.note))" } ?? ""
        // A handler that takes a push with no valid signature would take a forged one too.
        let accepted = relayed.map { (200..<300).contains($0.status) } ?? false
        let warning = accepted && (verdict == .invalid || verdict == .missing) ? "  WARNING: the handler accepted it" : ""
        return "\(clock)  \(event ?? "?")  \(messageID ?? "-")  signature \(verdict)  -> \(status)\(handler)\(warning)"
    }
}

/// Answers pushes in a receiver's place: `whs listen --forward-to` hands each one to the
/// application's handler (ReceiverBench's `PushForwarder`) and answers with what it said.
public protocol PushRelay: Sendable {
    func relay(method: String, uri: String, headers: [(name: String, value: String)], body: [UInt8]) async -> RelayOutcome
}

/// What a relay got from the handler, and what the receiver answers its sender with.
public struct RelayOutcome: Sendable {
    /// The handler's status, or 502 (no answer) or 504 (no answer in time).
    public let status: Int
    public let contentType: String?
    public let body: [UInt8]
    /// nil when the handler gave no answer.
    public let handlerStatus: Int?
    public let latencyMilliseconds: Double
    /// Why there is no answer: "connection refused".
    public let error: String?

    public init(status: Int, contentType: String?, body: [UInt8], handlerStatus: Int?, latencyMilliseconds: Double, error: String?) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.handlerStatus = handlerStatus
        self.latencyMilliseconds = latencyMilliseconds
        self.error = error
    }

    /// `handler 200 in 3.1 ms`, `handler unreachable: connection refused`.
    public var note: String {
        if let handlerStatus { return "handler \(handlerStatus) in \(RelayOutcome.latency(latencyMilliseconds))" }
        return "handler unreachable: \(error ?? "no answer")"
    }

    /// `{"status", "latency_ms", "error"}` for `--json` and `inbox`.
    public var report: JSON {
        .object([
            ("status", handlerStatus.map { .int($0) } ?? .null),
            ("latency_ms", .double((latencyMilliseconds * 10).rounded() / 10)),
            ("error", error.map { .string($0) } ?? .null),
        ])
    }

    /// `3.1 ms`, `1.2 s`.
    public static func latency(_ milliseconds: Double) -> String {
        milliseconds < 1000 ? "\((milliseconds * 10).rounded() / 10) ms" : "\((milliseconds / 100).rounded() / 10) s"
    }
}

/// The receiving end of webhooks (`whs listen`, the shell's `listen`): answers every POST with
/// the status it was told to, after checking the signature, and keeps what arrived.
public final class PushReceiver: PushInbox, @unchecked Sendable {
    public let options: ListenOptions
    /// Answers pushes instead of `options.respond` (`--forward-to`).
    let relay: (any PushRelay)?
    private let onPush: @Sendable (ReceivedPush) -> Void
    private let pushes = Mutex<[ReceivedPush]>([])
    private let answered = Atomic<Int>(0)
    /// The background server of `start`, until `stop`.
    private var running: ServerStop?
    public private(set) var port = 0
    /// The newest pushes kept for `inbox`; older ones are dropped.
    static let keep = 1000
    static let maxBodyBytes = 1 << 20

    public init(_ options: ListenOptions, relay: (any PushRelay)? = nil, onPush: @escaping @Sendable (ReceivedPush) -> Void = { _ in }) {
        self.options = options
        self.relay = relay
        self.onPush = onPush
    }

    /// Serves until SIGINT or SIGTERM (`whs listen`), or without `stopOnSignals` until the
    /// task is cancelled.
    public func run(stopOnSignals: Bool = true, ready: @escaping @Sendable (Int) -> Void) async throws {
        if stopOnSignals {
            try await server.run(ready: ready)
        } else {
            let stop = ServerStop()
            try await withTaskCancellationHandler {
                try await server.run(until: .stopped(stop), ready: ready)
            } onCancel: {
                stop.stop()
            }
        }
    }

    /// The server answering for this receiver on `options`' address.
    var server: HTTPServer { HTTPServer(host: options.host, port: options.port, responder: Responder(receiver: self)) }

    /// Starts serving in the background and returns once the port is bound (the shell's `listen`).
    public func start() throws(WebhookError) {
        let bound = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<Int, WebhookError>?>(nil)
        let stop = ServerStop()
        let server = self.server
        Task {
            do {
                try await server.run(until: .stopped(stop)) { port in
                    outcome.withLock { $0 = .success(port) }
                    bound.signal()
                }
            } catch {
                let failure = WebhookError.unreachable("cannot listen on \(options.host):\(options.port): \(error)")
                outcome.withLock { if $0 == nil { $0 = .failure(failure) } }
                bound.signal()
            }
        }
        bound.wait()
        switch outcome.withLock({ $0! }) {
        case .success(let port):
            self.port = port
            running = stop
        case .failure(let error): throw error
        }
    }

    public func stop() {
        running?.stop()
        running = nil
    }

    public func received() -> [JSON] { pushes.withLock { $0.map(\.report) } }
    public func clear() { pushes.withLock { $0.removeAll() } }

    /// The status for the next push: 500 for the first `failFirst`, then `respond`.
    func nextStatus() -> Int {
        let number = answered.add(1, ordering: .relaxed).newValue
        return number <= options.failFirst ? 500 : options.respond
    }

    func keep(_ push: ReceivedPush) {
        pushes.withLock { pushes in
            if pushes.count >= PushReceiver.keep { pushes.removeFirst(pushes.count - PushReceiver.keep + 1) }
            pushes.append(push)
        }
        onPush(push)
    }

    struct Responder: ServerResponder {
        let receiver: PushReceiver

        func bodyLimit(path: String) -> Int { PushReceiver.maxBodyBytes }

        func respond(to request: ServerRequest) async -> ServerResponse {
            guard case .bytes(let buffer) = request.body else { return answer(413) }
            let body = Array(buffer.readableBytesView)
            // A relay passes every method on (a GET may be a URL check); alone, only POST is a push.
            guard request.method == .POST || receiver.relay != nil else { return answer(405) }
            let timestamp = request[header: "x-webhook-timestamp"]
            let appKeyHeader = request[header: "x-webhook-appkey"]
            let signature = request[header: "x-webhook-signature"]
            let options = receiver.options
            let verdict = Signature.verify(timestamp: timestamp, appKeyHeader: appKeyHeader, signature: signature, secret: options.appKey)
            let headers = request.headers.map { (name: $0.name, value: $0.value) }
            var relayed: RelayOutcome?
            if let relay = receiver.relay {
                relayed = await relay.relay(method: request.method.rawValue, uri: request.uri, headers: headers, body: body)
            }
            let status = relayed?.status ?? receiver.nextStatus()
            receiver.keep(ReceivedPush(time: Clock.now(), method: request.method.rawValue, path: request.path, headers: headers,
                                       timestamp: timestamp, appKeyHeader: appKeyHeader, signature: signature, body: body,
                                       verdict: verdict, status: status, relayed: relayed))
            // Kept before the wait: a push is shown when it arrives, even if its sender gives up
            // on the answer.
            if options.delayMilliseconds > 0 { try? await Task.sleep(for: .milliseconds(options.delayMilliseconds)) }
            if let relayed { return answer(relayed) }
            return answer(status)
        }

        /// The handler's answer, passed back to the push's sender.
        func answer(_ relayed: RelayOutcome) -> ServerResponse {
            ServerResponse(status: relayed.status, headers: ["Content-Type": relayed.contentType ?? "text/plain; charset=utf-8"],
                           body: .bytes(ByteBuffer(bytes: relayed.body)))
        }

        func answer(_ status: Int) -> ServerResponse {
            let text = (200..<300).contains(status) ? "ok\n" : "status \(status)\n"
            return ServerResponse(status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: .bytes(ByteBuffer(string: text)))
        }
    }
}
