import Testing
import WebhookCore

/// Faults on demand and the push options (docs/SENDING.md, docs/FIDELITY.md): what the flags
/// and settings take, and the errors that list what is known.
@Suite struct FaultsTests {
    @Test func ratesParseAndPrintAsWritten() throws {
        let rates = try FaultRates(parsing: "duplicate=0.05, reorder=0.25")
        #expect(rates.description == "duplicate=0.05,reorder=0.25")
        #expect(try FaultRates(parsing: "none").isEmpty)
        #expect(try FaultRates(parsing: "").isEmpty)
        #expect(try FaultRates(parsing: "late=0").isEmpty)
    }

    @Test(arguments: [
        ("dupe=0.1", "unknown fault \"dupe\""),
        ("dupe=0.1", "(known: duplicate, reorder, late, badsig)"),
        ("duplicate=2", "a number from 0 to 1"),
        ("duplicate", "NAME=SHARE"),
    ])
    func badRatesSayWhatIsKnown(_ text: String, _ said: String) {
        do {
            _ = try FaultRates(parsing: text)
            Issue.record("\(text) was taken")
        } catch {
            #expect(error.message.contains(said), "\(error.message)")
        }
    }

    @Test func certainFaultsAlwaysDrawAndNoneNever() throws {
        let always = try FaultRates(parsing: "duplicate=1,badsig=1")
        #expect(always.draw() == [.duplicate, .badsig])
        #expect(FaultRates().draw().isEmpty)
    }

    @Test func tagsAskForFaults() {
        let address = MailAddress(written: "ann+dup+open+badsig@example.com", address: "ann+dup+open+badsig@example.com", name: "")
        #expect(DeliveryFault.tagged(address) == [.duplicate, .badsig])
        #expect(DeliveryFault.tagged(MailAddress(written: "a@x.example", address: "a@x.example", name: "")).isEmpty)
    }

    @Test func apiFaultsDrawTheirStatusAndKeepLatency() throws {
        let faults = try APIFaults(parsing: "503=1,latency=200ms")
        #expect(faults.latency == 0.2)
        #expect(faults.draw() == .server(code: 50300, status: 503, message: "injected by api faults: this call failed on purpose with HTTP 503 and sent nothing"))
        #expect(faults.description == "503=1,latency=200ms")
        #expect(try APIFaults(parsing: "latency=1s").draw() == nil)
        #expect(throws: WebhookError.self) { try APIFaults(parsing: "200=0.5") }
        #expect(throws: WebhookError.self) { try APIFaults(parsing: "500=0.7,502=0.7") }
        #expect(throws: WebhookError.self) { try APIFaults(parsing: "latency=forever") }
    }

    @Test func theProductionScheduleHasAName() throws {
        #expect(try RetrySchedule(parsing: "production") == .production)
        #expect(RetrySchedule.production.delays == [180, 600, 1800, 3600, 21_600, 43_200, 86_400])
        #expect(RetrySchedule.production.description == "production")
        #expect(try RetrySchedule(parsing: "standard") == .standard)
        #expect(throws: RetryScheduleError.self) { try RetrySchedule(parsing: "prod") }
    }

    @Test func aTimeScaleDividesDelays() throws {
        var options = PushOptions()
        options.timeScale = try PushOptions.timeScale(parsing: "3600")
        #expect(options.scaled(180) == 0.05)
        #expect(throws: WebhookError.self) { try PushOptions.timeScale(parsing: "0.5") }
        #expect(throws: WebhookError.self) { try PushOptions.timeScale(parsing: "fast") }
    }
}
