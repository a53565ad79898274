import ReceiverBench
import Testing
import WebhookCore
import WebhookDelivery
import WhsSupport

/// The battery's contents and the grading rules, without a network: the end-to-end checks
/// against real receivers are in Tests/delivery/test_probe.py.
@Suite struct ProbeTests {
    @Test func theBatteryHasEveryEventInBothFormsThenTheAttacksAndTheLimits() {
        let checks = ProbeBattery.checks(at: 1_764_176_584)
        let names = checks.map(\.name)
        let events = ["request", "deliver", "sent", "invalid", "soft_bounce", "open", "click", "unsubscribe", "report_spam"]
        #expect(names == events.map { "md5 " + $0 } + events.map { "hmac-sha256 " + $0 }
            + ["wrong signature", "no signature", "stale timestamp", "same push twice", "largest custom_args", "longest subject"])
        #expect(Set(checks.compactMap { EventPayload.messageID(of: try! JSON.parse(bytes: $0.body)) }).count == checks.count)
        #expect(checks.filter { $0.expectation == .refused }.map(\.name) == ["wrong signature", "no signature", "stale timestamp"])
        #expect(checks.filter { $0.expectation == .acceptedPreferably }.count == 9)
        #expect(checks.first { $0.name == "same push twice" }?.times == 2)
        #expect(checks.first { $0.name == "stale timestamp" }?.signing == .stale(seconds: 3 * 3600))
    }

    @Test func theLimitsAreExactlyTheDocumentedOnes() throws {
        #expect(ProbeBattery.largestCustomArgs.bytes.count == MailRules.maxCustomArgsBytes)
        #expect(ProbeBattery.longestSubject.unicodeScalars.count == MailRules.maxSubject)
        #expect(ProbeBattery.longestSubject.unicodeScalars.contains { $0.value > 0xFFFF })
        let checks = ProbeBattery.checks()
        let subject = try JSON.parse(bytes: checks.first { $0.name == "longest subject" }!.body)["subject"]
        #expect(subject == .string(ProbeBattery.longestSubject))
        let custom = try JSON.parse(bytes: checks.first { $0.name == "largest custom_args" }!.body)["custom_args"]
        #expect(custom == ProbeBattery.largestCustomArgs)
    }

    static let deliver = ProbeBattery.checks().first { $0.name == "md5 deliver" }!
    static let hmac = ProbeBattery.checks().first { $0.name == "hmac-sha256 deliver" }!
    static let forged = ProbeBattery.checks().first { $0.name == "wrong signature" }!
    static let twice = ProbeBattery.checks().first { $0.name == "same push twice" }!

    func grade(_ check: ProbeCheck, _ answers: [(Int?, Double)]) -> CheckResult {
        Probe.grade(check, answers.map { Probe.Answer(status: $0.0, latencyMilliseconds: $0.1, error: $0.0 == nil ? "no answer within 3 s" : nil) },
                    timeout: 3, slow: 1)
    }

    @Test func anEventPassesWith200Or204InASecondWarnsWhenSlowerAndFailsOtherwise() {
        #expect(grade(Self.deliver, [(200, 2)]).grade == .pass)
        #expect(grade(Self.deliver, [(204, 2)]).grade == .pass)
        #expect(grade(Self.deliver, [(200, 1500)]).grade == .warn)
        #expect(grade(Self.deliver, [(201, 2)]).grade == .fail)
        #expect(grade(Self.deliver, [(201, 2)]).reason.contains("only 200 and 204"))
        #expect(grade(Self.deliver, [(500, 2)]).grade == .fail)
        #expect(grade(Self.deliver, [(200, 3100)]).grade == .fail)
        #expect(grade(Self.deliver, [(nil, 3250)]).grade == .fail)
        #expect(grade(Self.deliver, [(nil, 3250)]).status == nil)
    }

    @Test func hmacRefusedIsOnlyAWarning() {
        #expect(grade(Self.hmac, [(200, 2)]).grade == .pass)
        #expect(grade(Self.hmac, [(401, 2)]).grade == .warn)
        #expect(grade(Self.hmac, [(nil, 3250)]).grade == .warn)
    }

    @Test func aWrongSignatureMustBeRefusedWithA4xx() {
        #expect(grade(Self.forged, [(401, 2)]).grade == .pass)
        #expect(grade(Self.forged, [(403, 2)]).grade == .pass)
        let accepted = grade(Self.forged, [(200, 2)])
        #expect(accepted.grade == .fail && accepted.reason.hasPrefix("accepted a push signed with a wrong key (200)"))
        #expect(grade(Self.forged, [(500, 2)]).grade == .fail)
        #expect(grade(Self.forged, [(nil, 3250)]).grade == .fail)
    }

    @Test func aDuplicateMustBeAcknowledgedBothTimes() {
        #expect(grade(Self.twice, [(200, 2), (200, 2)]).grade == .pass)
        let refused = grade(Self.twice, [(200, 2), (409, 2)])
        #expect(refused.grade == .fail && refused.reason.contains("(the second time)") && refused.status == 409)
    }

    @Test func theScorecardSumsUpAndFailsOnAnyFailure() {
        var card = Scorecard(url: "http://127.0.0.1:9/")
        card.results = [grade(Self.deliver, [(200, 2)]), grade(Self.hmac, [(401, 2)])]
        #expect(!card.failed && card.result == .warn)
        card.results.append(grade(Self.forged, [(200, 2)]))
        #expect(card.failed && card.result == .fail)
        let summary = card.json["summary"]
        #expect(summary?["pass"] == .int(1) && summary?["warn"] == .int(1) && summary?["fail"] == .int(1) && summary?["checks"] == .int(3))
        var unreachable = Scorecard(url: "http://127.0.0.1:9/")
        unreachable.unreachable = "connection refused"
        #expect(unreachable.failed && unreachable.json["unreachable"] == .string("connection refused"))
    }
}
