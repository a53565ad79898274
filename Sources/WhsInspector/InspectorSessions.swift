import Synchronization
import WhsSupport

/// The signed-in browsers: a random id (the cookie's value) for each, with its account and the
/// token its forms carry (CSRF). In memory: a restart signs everyone out, and nothing of a
/// session is ever written to the store or a log.
final class InspectorSessions: Sendable {
    struct Session: Sendable {
        let account: String
        let apiUser: String
        /// Sent back in every form; a POST without it is refused (with `SameSite=Strict`, the
        /// second guard against another site's forms).
        let csrf: String
        var expires: Double
    }

    private let sessions = Mutex<[String: Session]>([:])
    /// A session unused this long ends.
    static let idleSeconds = 12 * 3600.0
    /// At most this many at once: a flood of sign-ins drops the oldest, not the server.
    static let limit = 10_000

    /// A new session; its id and token are 32 bytes from the system's CSPRNG (getrandom on
    /// Linux, through `SystemRandomNumberGenerator`), hex.
    func start(account: String, apiUser: String, now: Double = Clock.now()) -> (id: String, session: Session) {
        let id = InspectorSessions.randomToken()
        let session = Session(account: account, apiUser: apiUser, csrf: InspectorSessions.randomToken(), expires: now + InspectorSessions.idleSeconds)
        sessions.withLock { sessions in
            if sessions.count >= InspectorSessions.limit {
                sessions = sessions.filter { $0.value.expires > now }
                if sessions.count >= InspectorSessions.limit, let oldest = sessions.min(by: { $0.value.expires < $1.value.expires })?.key {
                    sessions.removeValue(forKey: oldest)
                }
            }
            sessions[id] = session
        }
        return (id, session)
    }

    /// The live session of this id, its idle time restarted; nil when unknown or expired.
    func session(_ id: String, now: Double = Clock.now()) -> Session? {
        sessions.withLock { sessions in
            guard var session = sessions[id] else { return nil }
            guard session.expires > now else {
                sessions.removeValue(forKey: id)
                return nil
            }
            session.expires = now + InspectorSessions.idleSeconds
            sessions[id] = session
            return session
        }
    }

    func end(_ id: String) { sessions.withLock { _ = $0.removeValue(forKey: id) } }

    var count: Int { sessions.withLock { $0.count } }

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Equal strings, in time that does not depend on where they differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
