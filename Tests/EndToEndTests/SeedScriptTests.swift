import Testing
import WebhookCore
@testable import whs

/// The script `whs dump` writes and `whs serve --seed` reads (docs/OPERATIONS.md).
@Suite struct SeedScriptTests {
    @Test func theHeaderNamesTheAccountAndTheAppKeysVariable() {
        let text = "#!/usr/bin/env whs\n# account: acme-eu.test\n# app key: $WHS_APP_KEY_ACME_EU_TEST (comment)\n\nlist\n# account: other\n"
        #expect(SeedScript.header(of: text) == SeedScript.Header(account: "acme-eu.test", appKeyVariable: "WHS_APP_KEY_ACME_EU_TEST"))
        #expect(SeedScript.header(of: "list\n# account: late\n") == SeedScript.Header())
        #expect(SeedScript.appKeyVariable(for: "acme-eu.test") == "WHS_APP_KEY_ACME_EU_TEST")
    }

    @Test func literalsAreRawStringsOfTheLanguage() {
        #expect(SeedScript.literal(#"It's $5 \ {{x}}"#) == #"'It\'s $5 \\ {{x}}'"#)
    }

    @Test func aDumpNamesItsAccountAndNoKey() throws {
        let hook = Webhook(id: 7, url: "https://a.example/h", events: try Validation.events([.name("open"), .name("deliver")]), apiUser: "alice")
        let script = SeedScript.dump(account: "acme", webhooks: [hook], templates: [], source: "s.sqlite", at: 0)
        #expect(script.contains("# account: acme\n# app key: $WHS_APP_KEY_ACME"))
        #expect(script.contains("$id = ensure_webhook('https://a.example/h', 'alice', [1, 11])  # deliver, open"))
        #expect(SeedScript.header(of: script) == SeedScript.Header(account: "acme", appKeyVariable: "WHS_APP_KEY_ACME"))
    }
}
