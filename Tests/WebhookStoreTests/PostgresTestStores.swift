import WebhookCore
import WebhookPostgres
import WebhookStore
import WhsTestSupport

extension PostgresStore {
    /// A node named `node` on `location`, with its app-key seal in `directory`.
    static func open(_ location: PostgresLocation, in directory: TemporaryDirectory, node: String) async throws -> PostgresStore {
        try await PostgresStore.open(location, seal: try AppKeySeal.fromKeyFile(directory.path + "/seal.key"), node: node)
    }
}
