import AsyncHTTPClient
import Glibc
import NIOCore
import NIOHTTP1
import WebhookCore
import WhsSupport

/// Following a server: `GET /v1/stream`, read as it comes. A connection that drops (the node
/// restarted, a proxy timed out) is made again with `Last-Event-ID`, so nothing is missed or
/// shown twice; the first one failing is an error, as any request's would be.
extension RemoteService {
    public func follow(_ kinds: Set<ActivityKind>, _ wait: FollowWait, each: (JSON) -> Void) throws(WebhookError) -> FollowEnd {
        let deadline = wait.timeout.map { Clock.now() + $0 }
        var lastID: String?
        var connected = false
        let query = kinds == Set(ActivityKind.allCases) ? "" : "?kinds=" + ActivityKind.allCases.filter(kinds.contains).map(\.name).joined(separator: ",")
        while true {
            var headers = HTTPHeaders()
            headers.add(name: "Authorization", value: authorization)
            headers.add(name: "Accept", value: "text/event-stream")
            if let lastID { headers.add(name: "Last-Event-ID", value: lastID) }
            let request: HTTPClient.Request
            do {
                request = try HTTPClient.Request(url: baseURL + "/v1/stream" + query, method: .GET, headers: headers)
            } catch {
                throw .invalidParameter("cannot make a request to \(baseURL)/v1/stream: \(error)")
            }
            let reader = EventStreamReader()
            let task = client.execute(request: request, delegate: reader)
            while true {
                let got = reader.take(waiting: 0.05)
                for event in got.events {
                    connected = true
                    if let id = event.id { lastID = id }
                    guard event.type != "ready", let row = try? JSON.parse(event.data) else { continue }
                    each(row)
                }
                if got.ended {
                    if let status = got.status, status != 200 {
                        if let json = try? JSON.parse(bytes: got.refusal), case .int(let code)? = json["code"], case .string(let message)? = json["message"] {
                            throw WebhookError(code: code, status: status, message: message)
                        }
                        throw .server(code: 0, status: status, message: "the server answered HTTP \(status) to GET /v1/stream")
                    }
                    if !connected {
                        throw .unreachable("cannot follow \(baseURL)/v1/stream: \(got.failure.map { RemoteService.describe(FailureText($0), baseURL: baseURL).message } ?? "the stream ended")")
                    }
                    break
                }
                if wait.isInterrupted() {
                    task.cancel()
                    return .interrupted
                }
                if let deadline, Clock.now() >= deadline {
                    task.cancel()
                    return .timeout
                }
            }
            // The stream ended under us: connect again in a second, from the last event seen.
            let again = Clock.now() + 1
            while Clock.now() < again {
                if wait.isInterrupted() { return .interrupted }
                if let deadline, Clock.now() >= deadline { return .timeout }
                usleep(20_000)
            }
        }
    }
}

/// A failure the stream's delegate saw, in words, for `describe`.
struct FailureText: Error, CustomStringConvertible {
    let description: String
    init(_ text: String) { description = text }
}

extension RemoteEventDelivery: ActivityFollowing {
    public func follow(_ kinds: Set<ActivityKind>, _ wait: FollowWait, each: (JSON) -> Void) throws(WebhookError) -> FollowEnd {
        try remote.follow(kinds, wait, each: each)
    }
}
