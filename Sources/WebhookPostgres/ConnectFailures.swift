import Logging
import Synchronization

/// Why the driver last failed to connect, in a few safe words: the pool retries by itself and
/// tells only its logger, so a call that times out would otherwise say nothing of the cause.
/// The driver's text is classified here and dropped; nothing of it (which may name hosts,
/// users or queries) is kept or shown.
final class ConnectFailures: Sendable {
    private let last = Mutex<String?>(nil)

    var lastReason: String? { last.withLock { $0 } }

    func record(_ error: String) {
        last.withLock { $0 = ConnectFailures.reason(error) }
    }

    /// Forgets the reason once a call succeeded.
    func clear() {
        last.withLock { if $0 != nil { $0 = nil } }
    }

    static func reason(_ text: String) -> String {
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("NIOSSL") || text.contains("handshake") {
            return "its TLS certificate is not trusted (sslrootcert=PATH names the CA)"
        }
        if text.contains("sslUnsupported") { return "it does not speak TLS, and the URL asks for it (sslmode)" }
        if text.contains("28P01") || text.contains("password authentication failed") { return "the user's password was refused" }
        if text.contains("28000") { return "the user may not connect (pg_hba.conf)" }
        if text.contains("3D000") { return "no such database" }
        if text.contains("efused") { return "connection refused" }
        if text.contains("imeout") || text.contains("imed out") { return "the connection timed out" }
        return "cannot connect"
    }

    /// The driver's background logger: nothing is printed; failed connection attempts are noted.
    func logger() -> Logger {
        var logger = Logger(label: "whs.postgres", factory: { _ in Handler(failures: self) })
        logger.logLevel = .info
        return logger
    }

    struct Handler: LogHandler {
        let failures: ConnectFailures
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
                 function: String, line: UInt) {
            guard message.description == "Connection creation failed" else { return }
            failures.record(metadata?["psql_error"].map { "\($0)" } ?? metadata.map { "\($0)" } ?? "")
        }
    }
}
