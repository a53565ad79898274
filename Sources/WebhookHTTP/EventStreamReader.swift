import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Synchronization
import Dispatch
import WhsSupport

/// The client side of Server-Sent Events (`GET /v1/stream`), as the HTML standard parses
/// them: lines of `field: value`, an event ended by a blank line, `id:` kept as the position
/// to resume from. AsyncHTTPClient hands the body over in parts on its event loop; the events
/// are queued here for the shell's thread, which waits on `next`.
final class EventStreamReader: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = Void

    struct Event {
        let id: String?
        let type: String
        let data: String
    }

    private struct State {
        var events: [Event] = []
        var status: Int?
        /// A refusal's body (JSON `{code, message}`), read whole.
        var refusal: [UInt8] = []
        var ended = false
        var failure: String?
        /// The line being read, and the event being gathered.
        var partial: [UInt8] = []
        var id: String?
        var type = ""
        var data: [String] = []
    }
    private let state = Mutex(State())
    private let arrived = DispatchSemaphoreBox()

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        state.withLock { $0.status = Int(head.status.code) }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let added = state.withLock { state -> Bool in
            if state.status != 200 {
                if state.refusal.count < 64 * 1024 { state.refusal += buffer.readableBytesView }
                return false
            }
            let before = state.events.count
            for byte in buffer.readableBytesView {
                if byte == UInt8(ascii: "\n") {
                    EventStreamReader.line(&state)
                } else {
                    state.partial.append(byte)
                }
            }
            return state.events.count > before
        }
        if added { arrived.signal() }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        state.withLock { $0.ended = true }
        arrived.signal()
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: any Error) {
        state.withLock { state in
            state.ended = true
            state.failure = String(describing: error)
        }
        arrived.signal()
    }

    /// One line of the stream, as the standard reads it.
    private static func line(_ state: inout State) {
        var bytes = state.partial
        state.partial.removeAll(keepingCapacity: true)
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        if bytes.isEmpty {
            if !state.data.isEmpty { state.events.append(Event(id: state.id, type: state.type.isEmpty ? "message" : state.type, data: state.data.joined(separator: "\n"))) }
            state.type = ""
            state.data = []
            return
        }
        if bytes.first == UInt8(ascii: ":") { return }
        let text = String(decoding: bytes, as: UTF8.self)
        var field = Substring(text), value = Substring("")
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            value = text[text.index(after: colon)...]
            if value.hasPrefix(" ") { value = value.dropFirst() }
        }
        switch field {
        case "data": state.data.append(String(value))
        case "event": state.type = String(value)
        case "id": if !value.contains("\0") { state.id = String(value) }
        default: break
        }
    }

    /// What has arrived since the last call, waiting up to `seconds` for something to; and
    /// whether the stream is over (with its status and why, when it failed).
    func take(waiting seconds: Double) -> (events: [Event], ended: Bool, status: Int?, refusal: [UInt8], failure: String?) {
        let ready = state.withLock { !$0.events.isEmpty || $0.ended }
        if !ready { arrived.wait(seconds: seconds) }
        return state.withLock { state in
            defer { state.events.removeAll() }
            return (state.events, state.ended, state.status, state.refusal, state.failure)
        }
    }
}

/// A semaphore waited on with a timeout.
final class DispatchSemaphoreBox: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    func signal() { semaphore.signal() }
    func wait(seconds: Double) { _ = semaphore.wait(timeout: .now() + .milliseconds(Int(seconds * 1000))) }
}
