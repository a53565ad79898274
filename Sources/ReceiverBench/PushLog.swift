import Glibc
import Synchronization
import WebhookCore
import WebhookDelivery
import WhsSupport

/// `whs listen --save FILE`: every push received, appended as one JSON line,
/// `{"time","method","path","headers":{...},"body":"...","status"}`: the body as the text it
/// came as (`body_hex` instead when it is not UTF-8), so that `repush` sends the same bytes.
/// The file is its owner's alone (mode 0600): pushes carry addresses and signatures.
public final class PushLog: Sendable {
    public let path: String
    private let descriptor: Int32
    /// One line, one write: concurrent pushes never interleave.
    private let writing = Mutex<Void>(())

    public init(path: String) throws(WebhookError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .invalidParameter("cannot save pushes to \(path): \(String(cString: strerror(errno)))") }
        // A file made before with wider permissions is narrowed too.
        _ = fchmod(descriptor, 0o600)
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// The line a push is saved as.
    public static func line(_ push: ReceivedPush) -> JSON {
        var members: [(key: String, value: JSON)] = [
            ("time", .string(Clock.iso8601(push.time))),
            ("method", .string(push.method)),
            ("path", .string(push.path)),
            ("headers", .object(push.headers.map { ($0.name, .string($0.value)) })),
        ]
        if let text = String(validating: push.body, as: UTF8.self) {
            members.append(("body", .string(text)))
        } else {
            members.append(("body_hex", .string(Hex.encode(push.body))))
        }
        members.append(("status", .int(push.status)))
        return .object(members)
    }

    /// Appends `push`; why not, when it could not be written whole.
    public func append(_ push: ReceivedPush) -> String? {
        let bytes = PushLog.line(push).bytes + [UInt8(ascii: "\n")]
        return writing.withLock { _ -> String? in
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
                if written < 0 {
                    if errno == EINTR { continue }
                    return "cannot save a push to \(path): \(String(cString: strerror(errno)))"
                }
                offset += written
            }
            return nil
        }
    }
}

/// A push read back from a saved file, for `repush`.
public struct SavedPush: Sendable, Equatable {
    /// Its line in the file, from 1.
    public let line: Int
    public let body: [UInt8]

    /// The event the body names (`deliver`), as the receiver names it.
    public var event: String? {
        guard let json = try? JSON.parse(bytes: body) else { return nil }
        var wire: String?
        if case .string(let name)? = json["status"]?["message_status"] { wire = name }
        else if case .string(let name)? = json["response"]?["event"] { wire = name }
        return wire.map { EventType.withWireName($0)?.name ?? $0 }
    }

    public var messageID: String? { (try? JSON.parse(bytes: body)).flatMap(EventPayload.messageID(of:)) }

    /// Every push `text` (the content of `file`) holds, in order; blank lines are skipped. The
    /// first broken line is an error naming it (`FILE:3: ...`), so that nothing is pushed
    /// from a file that is not what `--save` wrote.
    public static func read(_ text: String, file: String) throws(WebhookError) -> [SavedPush] {
        var pushes: [SavedPush] = []
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let content = line.trimmingBlanks
            if content.isEmpty { continue }
            func broken(_ why: String) -> WebhookError { .invalidParameter("\(file):\(number): \(why)") }
            let shown = content.count > 40 ? String(content.prefix(40)) + "…" : String(content)
            guard let json = try? JSON.parse(String(content)), case .object = json else {
                throw broken("not a JSON object (\(Validation.quoted(shown))); each line is one push as listen --save writes it")
            }
            switch (json["body"], json["body_hex"]) {
            case (.string(let text)?, nil): pushes.append(SavedPush(line: number, body: Array(text.utf8)))
            case (nil, .string(let hex)?):
                guard let bytes = Hex.decode(hex) else { throw broken("body_hex is not hexadecimal") }
                pushes.append(SavedPush(line: number, body: bytes))
            case (nil, nil): throw broken("no \"body\" (the push's body as a string)")
            default: throw broken("\"body\" must be a string (the push's body as it came), or \"body_hex\" hex digits, not both")
            }
        }
        guard !pushes.isEmpty else { throw .invalidParameter("\(file): no saved pushes (listen --save FILE writes them)") }
        return pushes
    }

    /// The pushes in `file`, all checked before any is returned.
    public static func read(file: String) throws(WebhookError) -> [SavedPush] {
        let text: String
        do { text = try FileIO.read(file) } catch { throw .invalidParameter("cannot read \(error)") }
        return try read(text, file: file)
    }
}
