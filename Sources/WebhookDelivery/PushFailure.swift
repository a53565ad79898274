import Glibc
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import WebhookCore

/// Why a push did not get its answer, in the words the attempt log shows.
enum PushFailure: Error, Sendable, Equatable {
    /// The URL cannot be pushed to as written.
    case invalid(String)
    /// The push policy refuses the address (a public node and a private address): retrying
    /// cannot help.
    case refused(String)
    /// The attempt's deadline (connect, write and the whole answer) passed.
    case timedOut
    /// A connection taken from the pool had been closed by the receiver before this request's
    /// answer began (its keep-alive ran out): the request goes again on another connection.
    case stale
    case failed(String)

    /// The attempt log's words for it; `timeout` in seconds.
    func reason(timeout: Double) -> String {
        switch self {
        case .invalid(let text), .refused(let text), .failed(let text): text
        case .timedOut: "timed out after \(RetrySchedule.format(timeout)) s"
        case .stale: PushFailure.closed
        }
    }

    static let closed = "the receiver closed the connection"

    /// An error of SwiftNIO, NIOSSL or the HTTP decoder in words: "connection refused", "the
    /// receiver reset the connection", "TLS: the receiver's certificate is not trusted"...
    static func describing(_ error: any Error) -> PushFailure {
        if let failure = error as? PushFailure { return failure }
        if let channel = error as? ChannelError {
            switch channel {
            case .connectTimeout: return .timedOut
            case .ioOnClosedChannel, .alreadyClosed, .eof, .outputClosed, .inputClosed: return .failed(closed)
            default: break
            }
        }
        if let io = error as? IOError { return describing(errno: io.errnoCode) ?? .failed(String(describing: io)) }
        if let connect = error as? NIOConnectionError, let first = connect.connectionErrors.first?.error { return describing(first) }
        if let tls = error as? NIOSSLError {
            if case .uncleanShutdown = tls { return .failed(closed) }
            let text = String(describing: tls)
            if text.contains("CERTIFICATE_VERIFY_FAILED") { return .failed("TLS: the receiver's certificate is not trusted") }
            return .failed("TLS: \(text.prefix(200))")
        }
        if let extra = error as? NIOSSLExtraError {
            let text = String(describing: extra)
            if text.contains("failedToValidateHostname") { return .failed("TLS: the receiver's certificate is not for this host") }
            return .failed("TLS: \(text.prefix(200))")
        }
        if let parser = error as? HTTPParserError {
            // The connection closed before the answer's announced length.
            if case .invalidEOFState = parser { return .failed(closed) }
            return .failed("a malformed HTTP answer (\(parser))")
        }
        let text = String(describing: error)
        if text.contains("onnection refused") { return .failed("connection refused") }
        return .failed(String(text.prefix(200)))
    }

    static func describing(errno code: CInt) -> PushFailure? {
        switch code {
        case ECONNREFUSED: .failed("connection refused")
        case ECONNRESET: .failed("the receiver reset the connection")
        case EPIPE: .failed(closed)
        case ENETUNREACH, EHOSTUNREACH: .failed("no route to the receiver")
        case ETIMEDOUT: .timedOut
        default: nil
        }
    }

    /// A reset or a broken pipe: what a receiver's closed keep-alive connection gives a write.
    var isClosedConnection: Bool {
        if case .failed(let text) = self { return text == PushFailure.closed || text == "the receiver reset the connection" }
        return false
    }
}
