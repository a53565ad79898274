import Glibc

/// The `Date` header every answer carries (RFC 9110: an origin server with a clock sends it),
/// formatted once a second per event loop rather than once per request. Unchecked: each
/// instance belongs to one event loop and is only touched on it.
final class HTTPDate: @unchecked Sendable {
    private var second = 0
    private var text = ""

    /// `Tue, 01 Dec 2026 17:17:48 GMT`
    var now: String {
        var clock = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &clock)
        if clock.tv_sec != second {
            second = clock.tv_sec
            var seconds = clock.tv_sec
            var parts = tm()
            gmtime_r(&seconds, &parts)
            var buffer = [CChar](repeating: 0, count: 40)
            let length = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
            text = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return text
    }
}
