import WebhookCore

/// How the sandbox decides what happens to a mail (SENDING.md, "The sandbox"): from the
/// recipient's `+` tags and the send's tracking settings, not from a mailbox.
public enum MailLife {
    /// The events of one recipient's mail, in order.
    public static func events(for recipient: MailAddress, settings: MailSettings) -> [EventType] {
        events(tags: recipient.tags, settings: settings)
    }

    /// The same from the recipient's `+` tags (`MailAddress.tags`), which the mailer reads once
    /// for the life and the faults.
    static func events(tags given: [String], settings: MailSettings) -> [EventType] {
        let tags = given.compactMap(EventType.named)
        let names = Set(tags.map(\.name))
        if names.contains("invalid") { return [event("request"), event("invalid")] }
        if names.contains("soft_bounce") { return [event("request"), event("sent"), event("soft_bounce")] }
        var life = [event("request"), event("sent"), event("deliver")]
        for tag in tags {
            switch tag.name {
            case "open" where settings.openTracking, "click" where settings.clickTracking,
                 "unsubscribe" where settings.unsubscribeTracking, "report_spam":
                life.append(tag)
            default: continue
            }
        }
        return life
    }

    /// The events a person may cause by hand on a delivered mail.
    public static let engagement: Set<String> = ["open", "click", "unsubscribe", "report_spam"]

    static func event(_ name: String) -> EventType { EventType.named(name)! }

    /// The first link of an html body (`href="..."` or `href='...'`), which a click follows.
    public static func firstLink(in html: String) -> String? {
        var rest = Substring(html)
        while let found = rest.firstRange(of: "href=") {
            rest = rest[found.upperBound...]
            guard let quote = rest.first, quote == "\"" || quote == "'" else { continue }
            let value = rest.dropFirst().prefix { $0 != quote }
            if value.hasPrefix("http://") || value.hasPrefix("https://") { return String(value) }
        }
        return nil
    }

    /// `text` with every variable of the recipient replaced.
    public static func replacing(_ variables: [(pattern: String, value: String)], in text: String) -> String {
        var out = text
        for variable in variables where out.contains(variable.pattern) { out = out.replacing(variable.pattern, with: variable.value) }
        return out
    }
}
