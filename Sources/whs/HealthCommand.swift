import WebhookHTTP
import WebhookCore
import WhsSupport

/// `whs health URL`: 0 when the node's health route answers 200 within 2 s, 1 otherwise, with
/// one line that says why; a container's HEALTHCHECK needs nothing else.
enum HealthCommand {
    static let timeout = 2.0

    static func run(_ base: String) -> Int32 {
        let url: String
        do { url = try HealthCheck.route(base) } catch { fail("health: \(error.message)", status: 2) }
        let answer = HealthCheck.ask(url, timeout: timeout)
        let took = "\(RetrySchedule.format((answer.milliseconds * 10).rounded() / 10)) ms"
        if answer.isHealthy {
            Foreground.write(["whs health: \(url) answered 200 in \(took): \(answer.detail)"])
            return 0
        }
        guard let status = answer.status else { fail("health: \(answer.detail)", status: 1) }
        fail("health: \(url) answered \(status) in \(took)\(answer.detail.isEmpty ? "" : ": \(answer.detail)")", status: 1)
    }
}
