import Glibc
import Testing
import WebhookCore
import WebhookPostgres
import WebhookStore
import WhsTestSupport

/// The API.md rules, and those of reset, deletes and retention, held against both embedded
/// stores and PostgreSQL.
@Suite struct ConformanceTests {
    @Test(arguments: ConformanceCase.all)
    func memoryStore(_ rule: ConformanceCase) throws {
        let store = MemoryStore()
        try rule.run { account, apiUsers in store.account(account, apiUsers: apiUsers) }
    }

    @Test(arguments: ConformanceCase.all)
    func sqliteStore(_ rule: ConformanceCase) throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.path + "/store.sqlite")
        try rule.run { account, apiUsers in store.account(account, apiUsers: apiUsers) }
    }

    @Test(arguments: ClearingCase.all)
    func memoryStoreClearing(_ rule: ClearingCase) throws {
        let store = MemoryStore()
        try rule.run(ClearingStore(store: store, account: { store.account($0) }))
    }

    @Test(arguments: ClearingCase.all)
    func sqliteStoreClearing(_ rule: ClearingCase) throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.path + "/store.sqlite")
        try rule.run(ClearingStore(store: store, account: { store.account($0) }))
    }

    @Test(.enabled(if: TestPostgres.available), arguments: ClearingCase.all)
    func postgresStoreClearing(_ rule: ClearingCase) async throws {
        let directory = try TemporaryDirectory()
        let store = try PostgresShellStore.open(try await TestPostgres.freshDatabase(), seal: try AppKeySeal.fromKeyFile(directory.path + "/seal.key"),
                                                node: "clearing")
        try rule.run(ClearingStore(store: store, account: { store.account($0) }))
    }

    @Test(arguments: ClearingCase.queries)
    func memoryStoreQueries(_ rule: ClearingCase) throws {
        let store = MemoryStore()
        try rule.run(ClearingStore(store: store, account: { store.account($0) }))
    }

    @Test(arguments: ClearingCase.queries)
    func sqliteStoreQueries(_ rule: ClearingCase) throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.path + "/store.sqlite")
        try rule.run(ClearingStore(store: store, account: { store.account($0) }))
    }

    @Test(.enabled(if: TestPostgres.available), arguments: ClearingCase.queries)
    func postgresStoreQueries(_ rule: ClearingCase) async throws {
        let directory = try TemporaryDirectory()
        let store = try PostgresShellStore.open(try await TestPostgres.freshDatabase(), seal: try AppKeySeal.fromKeyFile(directory.path + "/seal.key"),
                                                node: "queries")
        try rule.run(ClearingStore(store: store, account: { store.account($0) }))
    }

    @Test(.enabled(if: TestPostgres.available), arguments: ConformanceCase.all)
    func postgresStore(_ rule: ConformanceCase) async throws {
        let directory = try TemporaryDirectory()
        let store = try PostgresShellStore.open(try await TestPostgres.freshDatabase(), seal: try AppKeySeal.fromKeyFile(directory.path + "/seal.key"),
                                                node: "conformance")
        try rule.run { account, apiUsers in store.account(account, apiUsers: apiUsers) }
    }
}
