import Glibc
import Testing
import WebhookCore
import WebhookStore
import WhsTestSupport

/// The API.md rules, held against both embedded stores.
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
}
