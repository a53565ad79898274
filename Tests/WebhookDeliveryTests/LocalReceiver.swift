import Testing
import WebhookCore
import WebhookDelivery

/// Runs `body` with a `PushReceiver` listening on a free loopback port, stopped when it returns.
func withReceiver(_ options: ListenOptions = ListenOptions(), _ body: (PushReceiver, Int) async throws -> Void) async throws {
    var options = options
    options.port = 0
    let receiver = PushReceiver(options)
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    let serving = Task { try await receiver.run(stopOnSignals: false) { port in continuation.yield(port) } }
    defer { serving.cancel() }
    var iterator = ports.makeAsyncIterator()
    let port = try #require(await iterator.next())
    try await body(receiver, port)
}
