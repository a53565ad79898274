import Testing
import WebhookCore

/// `before=` and `--retain` values (docs/OPERATIONS.md): ages with their unit, RFC 3339 times,
/// and the refusals that name what is expected.
@Suite struct CutoffTests {
    @Test(arguments: [("90s", 90.0), ("30m", 1800), ("2h", 7200), ("7d", 604_800), ("1.5d", 129_600), ("250ms", 0.25), ("0s", 0)])
    func agesCountBackFromNow(_ text: String, _ seconds: Double) throws {
        #expect(try Cutoff.seconds(text, now: 1_000_000) == 1_000_000 - seconds)
    }

    @Test(arguments: [
        ("2026-11-26T15:00:00Z", 1_795_705_200.0),
        ("2026-11-26T15:00:00.250Z", 1_795_705_200.25),
        ("2026-11-26t16:30:00+01:30", 1_795_705_200),
        ("2026-11-26 10:00:00-05:00", 1_795_705_200),
        ("2024-02-29T00:00:00z", 1_709_164_800),
        ("0001-01-01T00:00:00Z", -62_135_596_800),
    ])
    func timesAreRFC3339(_ text: String, _ seconds: Double) throws {
        #expect(try Cutoff.seconds(text, now: 0) == seconds)
    }

    @Test(arguments: ["", "3600", "1e3s", "-1h", "h", "5x", "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-26T24:00:00Z",
                      "2026-11-26T15:00:00", "2026-11-26T15:00:00+0100", "2026-11-26T15:00:00.Z", "2026-11-26", "yesterday"])
    func anythingElseIsRefusedNamingTheForms(_ text: String) {
        #expect(throws: WebhookError.invalidParameter("before must be an age (90s, 30m, 2h, 7d) or an ISO 8601 time (2026-11-26T15:00:00Z), got \(Validation.quoted(text))")) {
            _ = try Cutoff.seconds(text, now: 0)
        }
    }

    @Test func beforeGoesWithTheLogsOnly() throws {
        try Cutoff.check([.mails, .deliveries], before: 1)
        try Cutoff.check([.webhooks], before: nil)
        #expect(throws: WebhookError.invalidParameter("before applies to mails and deliveries, not webhooks and templates")) {
            try Cutoff.check(Set(ResetPart.allCases), before: 1)
        }
    }

    @Test func retentionTakesAtLeastASecond() throws {
        #expect(try RetentionPolicy.maxAge(parsing: "7d") == 604_800)
        #expect(try RetentionPolicy.maxAge(parsing: "90") == 90)
        for bad in ["0s", "0.5s", "5x", "-1h", "soon"] {
            #expect(throws: WebhookError.self) { _ = try RetentionPolicy.maxAge(parsing: bad) }
        }
        #expect(try RetentionPolicy.mailsPerAccount(parsing: "1000") == 1000)
        #expect(throws: WebhookError.self) { _ = try RetentionPolicy.mailsPerAccount(parsing: "0") }
        #expect(RetentionPolicy(maxAge: 8).interval == 2)
        #expect(RetentionPolicy(maxAge: 2).interval == 1)
        #expect(RetentionPolicy(maxAge: 86_400).interval == 60)
    }

    @Test func resetPartsAreNamedOrRefusedWithTheList() throws {
        #expect(try ResetPart.named("webhooks") == .webhooks)
        #expect(throws: WebhookError.invalidParameter("unknown part \"mail\"; did you mean \"mails\"? (parts: mails, deliveries, webhooks, templates)")) {
            _ = try ResetPart.named("mail")
        }
        var cleared = ClearedCounts(parts: [.templates, .deliveries])
        cleared.deliveries = 2
        cleared.cancelled = 1
        #expect(cleared.json.text == #"{"deliveries":2,"cancelled":1,"templates":0}"#)
    }
}
