/// The trace id of a request: what a proxy sent in `X-Request-Id` (nginx's `$request_id`, most
/// load balancers' own), or one made here; logged on the request's line and echoed in the
/// answer's `X-Request-Id`, so that one request can be followed through nginx, whs and the
/// client. Called the trace id, never the request id: the send API has a `request_id` of its
/// own (docs/OPERATIONS.md, "Logs").
public enum TraceID {
    public static let header = "X-Request-Id"
    /// Longer ids are not taken: a UUID is 36 characters, nginx's 32, AWS's about 40.
    public static let maxLength = 64

    /// The id given, when it is 1 to 64 characters of letters, digits and `-_.:=+/@`: safe in
    /// a log line, a JSON string and a header. Anything else is not echoed or logged; a new
    /// id is made instead.
    public static func accepted(_ given: Substring) -> String? {
        let bytes = given.utf8
        guard !bytes.isEmpty, bytes.count <= maxLength, bytes.allSatisfy(isSafe) else { return nil }
        return String(given)
    }

    /// The id for a request that came with `given` (nil: no header).
    public static func of(_ given: String?) -> String {
        given.flatMap { accepted(Substring($0)) } ?? make()
    }

    /// 32 hex digits of randomness, the shape of nginx's `$request_id`.
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next(), low = generator.next()
        return hex(high) + hex(low)
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    static func isSafe(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "="), UInt8(ascii: "+"),
             UInt8(ascii: "/"), UInt8(ascii: "@"): true
        default: false
        }
    }
}
