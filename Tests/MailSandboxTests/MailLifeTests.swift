import MailSandbox
import Testing
import WebhookCore

@Suite struct MailLifeTests {
    static func life(_ address: String, _ settings: MailSettings = MailSettings()) -> [String] {
        MailLife.events(for: MailRules.parseAddress(address)!, settings: settings).map(\.name)
    }

    @Test func tagsShapeTheLife() {
        #expect(Self.life("ann@example.com") == ["request", "sent", "deliver"])
        #expect(Self.life("ann+invalid@example.com") == ["request", "invalid"])
        #expect(Self.life("ann+soft_bounce+open@example.com") == ["request", "sent", "soft_bounce"])
        #expect(Self.life("ann+click+open@example.com") == ["request", "sent", "deliver", "click", "open"])
        #expect(Self.life("ann+newsletter+report_spam@example.com") == ["request", "sent", "deliver", "report_spam"])
        #expect(Self.life("Ann <ann+Open@example.com>") == ["request", "sent", "deliver", "open"])
    }

    @Test func trackingSettingsTurnEngagementOff() {
        var settings = MailSettings()
        settings.openTracking = false
        settings.clickTracking = false
        settings.unsubscribeTracking = false
        #expect(Self.life("ann+open+click+unsubscribe+report_spam@example.com", settings) == ["request", "sent", "deliver", "report_spam"])
    }

    @Test func firstLinkOfTheHTML() {
        #expect(MailLife.firstLink(in: #"<p><a href="mailto:x@y.z">m</a> <a href='https://shop.example/a?b=1'>x</a> <a href="https://2.example">"#) == "https://shop.example/a?b=1")
        #expect(MailLife.firstLink(in: "<p>no links</p>") == nil)
    }

    @Test func variablesReplaced() {
        #expect(MailLife.replacing([("%name%", "Ann"), ("{{code}}", "42")], in: "Hi %name%, code {{code}} (%name%)") == "Hi Ann, code 42 (Ann)")
    }
}
