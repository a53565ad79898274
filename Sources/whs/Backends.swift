import Glibc
import WebhookCore
import WebhookHTTP
import WebhookStore
import WhsShell
import WhsSupport

/// Building the backend a command line or `connect` names: the only place that knows every
/// kind (DESIGN.md: the shell gets its `WebhookService` from outside).
enum Backends {
    static func open(_ backend: CommandLineOptions.Backend) throws -> WebhookService {
        switch backend {
        case .memory:
            return MemoryStore().account()
        case .store(let path):
            return try SQLiteStore(path: path).account()
        case .defaultStore:
            return try SQLiteStore(path: StorePaths.preparedDefaultStore()).account()
        case .server(let url, let apiUser):
            return try remote(url: url, apiUser: apiUser, apiKey: try apiKey(for: apiUser))
        }
    }

    /// For `whs serve`: the store as a multi-account backend.
    static func openBackend(_ backend: CommandLineOptions.Backend) throws -> any WebhookBackend {
        switch backend {
        case .memory: return MemoryStore()
        case .store(let path): return try SQLiteStore(path: path)
        case .defaultStore, .server:
            return try SQLiteStore(path: StorePaths.preparedDefaultStore())
        }
    }

    static func connect(_ target: ConnectTarget) throws -> (WebhookService, String?) {
        switch target {
        case .memory:
            return (MemoryStore().account(), "whs[memory]")
        case .store(let path):
            return (try SQLiteStore(path: path).account(), promptLabel(.store(path)))
        case .server(let url, let apiUser, let apiKey):
            let service = try remote(url: url, apiUser: apiUser, apiKey: apiKey)
            return (service, "whs[\(service.remoteEndpoint!.hostAndPort)]")
        }
    }

    static func remote(url: String, apiUser: String, apiKey: String) throws -> RemoteService {
        try RemoteService(baseURL: url, apiUser: apiUser, apiKey: apiKey, isInterrupted: { Signals.isInterruptRequested })
    }

    /// `whs[memory]`, `whs[team.sqlite]`, `whs[127.0.0.1:8080]`; nil for the default store.
    static func promptLabel(_ backend: CommandLineOptions.Backend) -> String? {
        switch backend {
        case .defaultStore: return nil
        case .memory: return "whs[memory]"
        case .store(let path): return "whs[\(path.split(separator: "/").last.map(String.init) ?? path)]"
        case .server(let url, _): return "whs[\(RemoteEndpoint(baseURL: url, apiUser: "").hostAndPort)]"
        }
    }

    /// $WHS_API_KEY, else asked for without echo at a terminal.
    static func apiKey(for apiUser: String) throws -> String {
        if let key = Environment.nonEmpty("WHS_API_KEY") { return key }
        guard isatty(0) == 1, let key = Terminal.readSecret(prompt: "API key for \(apiUser): "), !key.isEmpty else {
            throw WebhookError.invalidParameter("no API key: set WHS_API_KEY (or run at a terminal to be asked)")
        }
        return key
    }
}
