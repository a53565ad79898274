import WhsSupport

/// One send, as one of the four send routes takes it (SENDING.md, `MailRoute`), after
/// `MailRules` checked every field. The shell builds the same JSON body from its arguments, so
/// a send is valid or invalid the same way on every backend.
public struct MailRequest: Sendable {
    public var from: MailAddress
    public var to: [MailAddress]
    /// nil only on the template route, where the template's subject is used.
    public var subject: String?
    public var html: String
    public var text: String
    public var previewText: String
    /// `template_invoke_name`, on the template route.
    public var templateName: String?
    public var cc: [MailAddress]
    public var bcc: [MailAddress]
    public var replyTo: [MailAddress]
    /// `%name%` → one value per recipient.
    public var vars: [(name: String, values: [String])]
    /// `{{name}}` → per recipient (one object for all, or one each).
    public var dynamicVars: [[(name: String, value: String)]]
    public var labelID: Int?
    public var labelName: String?
    public var headers: [(name: String, value: String)]
    public var attachments: [MailAttachment]
    public var settings: MailSettings
    /// Always an object; `{}` when the send had none.
    public var customArgs: JSON
    public var requestID: String?
    /// The invitation of a sendcalendar, as `MailRules` checked it (its fields in a fixed order).
    public var calendar: JSON? = nil
    /// The message of a send_mime as given; `html` and `text` are its body's.
    public var mime: String? = nil

    /// `vars` of recipient `index`, as replacements of `%name%`.
    public func variables(forRecipient index: Int) -> [(pattern: String, value: String)] {
        var out = vars.map { (pattern: "%\($0.name)%", value: $0.values[index]) }
        if !dynamicVars.isEmpty {
            let own = dynamicVars.count == 1 ? dynamicVars[0] : dynamicVars[index]
            out += own.map { (pattern: "{{\($0.name)}}", value: $0.value) }
        }
        return out
    }
}

/// `addr@host` or `Name <addr@host>` as written, and the bare address.
public struct MailAddress: Sendable, Equatable {
    public let written: String
    public let address: String
    public let name: String

    public init(written: String, address: String, name: String) {
        self.written = written
        self.address = address
        self.name = name
    }

    /// The local part's `+` tags: `ann+open+click@example.com` → `["open", "click"]`.
    public var tags: [String] {
        let local = address.split(separator: "@", maxSplits: 1).first ?? ""
        return local.split(separator: "+", omittingEmptySubsequences: true).dropFirst().map { String($0).lowercased() }
    }
}

public struct MailAttachment: Sendable, Equatable {
    public let filename: String
    public let type: String
    public let disposition: String
    public let contentID: String?
    /// Decoded size, for the mail log.
    public let bytes: Int
}

/// `body.settings`: how the mail is sent and which engagement is tracked.
public struct MailSettings: Sendable, Equatable {
    public var sendMode = 0
    public var openTracking = true
    public var clickTracking = true
    public var unsubscribeTracking = true
    public var sandbox = false
    public var returnEmailID = true

    public init() {}
}

/// A stored template for `sendtemplate` (docs/SENDING.md): per account, by invoke name.
public struct MailTemplate: Sendable, Equatable {
    public let name: String
    public let subject: String
    public let html: String
    public let text: String
    public let created: Double
    public let updated: Double

    public init(name: String, subject: String, html: String, text: String, created: Double, updated: Double) {
        self.name = name
        self.subject = subject
        self.html = html
        self.text = text
        self.created = created
        self.updated = updated
    }

    public var json: JSON {
        .object([
            ("name", .string(name)), ("subject", .string(subject)), ("html", .string(html)), ("text", .string(text)),
            ("created", .string(Clock.iso8601(created))), ("updated", .string(Clock.iso8601(updated))),
        ])
    }

    /// Checks a template's fields the way a send's content is checked.
    public static func validated(name: String, subject: String, html: String, text: String, at time: Double) throws(WebhookError) -> MailTemplate {
        guard subject.unicodeScalars.count <= MailRules.maxSubject else { throw .invalidParameter("subject is longer than \(MailRules.maxSubject) characters") }
        guard !(html.isEmpty && text.isEmpty) else { throw .invalidParameter("a template needs html or text content") }
        return MailTemplate(name: try validName(name), subject: subject, html: html, text: text, created: time, updated: time)
    }

    /// 1 to 64 of letters, digits and `_ . @ -`: the names a template may have.
    public static func validName(_ name: String) throws(WebhookError) -> String {
        guard (1...MailRules.maxTemplateName).contains(name.utf8.count), name.utf8.allSatisfy(Validation.isAPIUserByte) else {
            throw .invalidParameter("a template name is 1 to \(MailRules.maxTemplateName) of letters, digits and _ . @ -, got \(Validation.quoted(String(name.prefix(80))))")
        }
        return name
    }
}
