import WhsSupport

/// Every rule SENDING.md states for a send, in one place: the server, the embedded store and the
/// shell all read a send's JSON body through `request(_:route:)`. Each broken rule is a
/// `sendRejected` whose code names the rule; docs/SENDING.md has the same table, and
/// `MailRulesTests` keeps them equal.
public enum MailRules {
    public static let maxRecipients = 100
    public static let maxCopies = 100
    public static let maxReplyTo = 3
    public static let maxSubject = 256
    public static let maxRequestID = 128
    public static let maxCustomArgsBytes = 1024
    public static let maxHeadersBytes = 1024
    public static let maxVarsBytes = 1024 * 1024
    public static let maxAttachmentBytes = 10 * 1024 * 1024
    /// A whole mail (the request body), as published.
    public static let maxMailBytes = 70 * 1024 * 1024
    public static let maxTemplateName = 64

    /// The codes, in the order docs/SENDING.md lists them. 30801 is EngageLab's; the rest are
    /// whs's, in the same family.
    public enum Code: Int, CaseIterable, Sendable {
        case fromEmpty = 30801, fromMalformed, toMissing, tooManyRecipients, recipientMalformed, bodyMissing,
             subjectInvalid, contentInvalid, copiesInvalid, replyToInvalid, varsInvalid, dynamicVarsInvalid,
             headersInvalid, attachmentsInvalid, customArgsInvalid, requestIDInvalid, settingsInvalid,
             addressListsNotEmulated, templateNameMissing, labelInvalid, calendarInvalid, mimeInvalid
    }

    /// Headers a send may not set (SENDING.md), lower-cased.
    public static let refusedHeaders: Set<String> = [
        "dkim-signature", "received", "sender", "date", "from", "to", "reply-to", "cc", "bcc", "subject", "content-type",
        "content-transfer-encoding", "x-sendcloud-uuid", "x-sendcloud-log", "x-remote-web-ip", "x-smtpapi", "return-path",
        "x-sendcloud-log-new",
    ]

    static let topFields = ["from", "to", "body", "custom_args", "request_id"]
    static let bodyFields = ["subject", "content", "cc", "bcc", "reply_to", "vars", "dynamic_vars", "label_id", "label_name",
                             "headers", "attachments", "settings"]
    static let contentFields = ["html", "text", "preview_text"]
    static let settingsFields = ["send_mode", "return_email_id", "sandbox", "notification", "open_tracking", "click_tracking",
                                 "unsubscribe_tracking", "unsubscribe_page_id"]
    static let attachmentFields = ["content", "type", "filename", "disposition", "content_id"]

    static func reject(_ code: Code, _ message: String) -> WebhookError { .sendRejected(code: code.rawValue, message) }

    /// The body fields of a route.
    static func bodyFields(_ route: MailRoute) -> [String] {
        switch route {
        case .send: bodyFields
        case .template: bodyFields + ["template_invoke_name"]
        case .calendar: bodyFields + ["calendar"]
        case .mime: mimeBodyFields
        }
    }

    /// Reads and checks the body of a send `route`: sendtemplate names a template instead of
    /// giving content, sendcalendar adds an invitation, send_mime gives the message whole.
    public static func request(_ json: JSON, route: MailRoute) throws(WebhookError) -> MailRequest {
        let template = route == .template
        guard case .object(let top) = json else { throw .invalidJSON("a send is a JSON object with from, to and body") }
        try known(top, topFields, where: "")
        let from = try sender(top)
        let to = try recipients(top)

        guard case .object(let body)? = value(top, "body") else { throw reject(.bodyMissing, "body is required: an object with subject and content") }
        try known(body, bodyFields(route), where: "body.")
        var request = MailRequest(from: from, to: to, subject: nil, html: "", text: "", previewText: "", templateName: nil, cc: [], bcc: [],
                                  replyTo: [], vars: [], dynamicVars: [], labelID: nil, labelName: nil, headers: [], attachments: [],
                                  settings: MailSettings(), customArgs: .object([]), requestID: nil)
        if template {
            guard case .string(let name)? = value(body, "template_invoke_name"), !name.isEmpty else {
                throw reject(.templateNameMissing, "body.template_invoke_name is required: the name of a stored template")
            }
            request.templateName = name
        }
        // The template's subject, or the message's Subject header, may stand in for it.
        let subjectGiven = template || route == .mime
        switch value(body, "subject") {
        case nil:
            if !subjectGiven { throw reject(.subjectInvalid, "body.subject is required") }
        case .string(let subject)?:
            // Counted as JSON Schema counts a string's length (docs/openapi.yaml): code points.
            let length = subject.unicodeScalars.count
            guard length <= maxSubject else { throw reject(.subjectInvalid, "body.subject is longer than \(maxSubject) characters (\(length))") }
            guard subjectGiven || !subject.isEmpty else { throw reject(.subjectInvalid, "body.subject must not be empty") }
            request.subject = subject
        case let other?: throw reject(.subjectInvalid, "body.subject must be a string, got \(kind(other))")
        }
        switch route {
        case .send: try content(body, into: &request)
        case .calendar:
            try content(body, into: &request)
            request.calendar = try calendar(body)
        case .mime: try mime(body, into: &request)
        case .template: break
        }
        request.settings = try settings(body)
        if request.settings.sendMode == 2 {
            throw reject(.addressListsNotEmulated, "settings.send_mode 2 (address lists) is not emulated by whs: send to addresses with send_mode 0 or 1")
        }
        request.cc = try addresses(body, "cc", limit: maxCopies, code: .copiesInvalid)
        request.bcc = try addresses(body, "bcc", limit: maxCopies, code: .copiesInvalid)
        if (!request.cc.isEmpty || !request.bcc.isEmpty) && request.settings.sendMode != 1 {
            throw reject(.copiesInvalid, "body.cc and body.bcc need settings.send_mode 1")
        }
        request.replyTo = try addresses(body, "reply_to", limit: maxReplyTo, code: .replyToInvalid)
        request.vars = try vars(body, recipients: to.count)
        request.dynamicVars = try dynamicVars(body, recipients: to.count)
        try label(body, into: &request)
        request.headers = try headers(body)
        request.attachments = try attachments(body)
        request.customArgs = try customArgs(top)
        switch value(top, "request_id") {
        case nil, .string("")?: break
        case .string(let id)?:
            guard id.utf8.count <= maxRequestID else { throw reject(.requestIDInvalid, "request_id is longer than \(maxRequestID) characters") }
            request.requestID = id
        case let other?: throw reject(.requestIDInvalid, "request_id must be a string, got \(kind(other))")
        }
        return request
    }

    // MARK: fields

    static func sender(_ top: [(key: String, value: JSON)]) throws(WebhookError) -> MailAddress {
        switch value(top, "from") {
        case nil, .null?, .string("")?: throw reject(.fromEmpty, "From can not be empty")
        case .string(let text)?:
            guard let address = parseAddress(text) else {
                throw reject(.fromMalformed, "from must be addr@host or Name <addr@host>, got \(Validation.quoted(String(text.prefix(80))))")
            }
            return address
        case let other?: throw reject(.fromMalformed, "from must be a string, got \(kind(other))")
        }
    }

    static func recipients(_ top: [(key: String, value: JSON)]) throws(WebhookError) -> [MailAddress] {
        guard let given = value(top, "to") else { throw reject(.toMissing, "to is required: an array of 1 to \(maxRecipients) addresses") }
        guard case .array(let items) = given, !items.isEmpty else {
            throw reject(.toMissing, "to must be an array of 1 to \(maxRecipients) addresses, got \(kind(given))")
        }
        guard items.count <= maxRecipients else { throw reject(.tooManyRecipients, "to has \(items.count) addresses; at most \(maxRecipients)") }
        return try addressList(items, field: "to", code: .recipientMalformed)
    }

    static func addresses(_ body: [(key: String, value: JSON)], _ field: String, limit: Int, code: Code) throws(WebhookError) -> [MailAddress] {
        switch value(body, field) {
        case nil: return []
        case .array(let items)?:
            guard items.count <= limit else { throw reject(code, "body.\(field) has \(items.count) addresses; at most \(limit)") }
            return try addressList(items, field: "body.\(field)", code: code)
        case let other?: throw reject(code, "body.\(field) must be an array of addresses, got \(kind(other))")
        }
    }

    static func addressList(_ items: [JSON], field: String, code: Code) throws(WebhookError) -> [MailAddress] {
        var out: [MailAddress] = []
        for (index, item) in items.enumerated() {
            guard case .string(let text) = item, let address = parseAddress(text) else {
                throw reject(code, "\(field)[\(index)] must be addr@host or Name <addr@host>, got \(String(item.text.prefix(80)))")
            }
            out.append(address)
        }
        return out
    }

    static func content(_ body: [(key: String, value: JSON)], into request: inout MailRequest) throws(WebhookError) {
        guard case .object(let content)? = value(body, "content") else {
            throw reject(.contentInvalid, "body.content is required: an object with html or text")
        }
        try known(content, contentFields, where: "body.content.")
        func text(_ name: String) throws(WebhookError) -> String {
            switch value(content, name) {
            case nil: return ""
            case .string(let text)?: return text
            case let other?: throw reject(.contentInvalid, "body.content.\(name) must be a string, got \(kind(other))")
            }
        }
        request.html = try text("html")
        request.text = try text("text")
        request.previewText = try text("preview_text")
        if request.html.isEmpty && request.text.isEmpty { throw reject(.contentInvalid, "body.content needs html or text: they cannot both be empty") }
        if !request.previewText.isEmpty && request.html.isEmpty { throw reject(.contentInvalid, "body.content.preview_text needs html content") }
    }

    static func settings(_ body: [(key: String, value: JSON)]) throws(WebhookError) -> MailSettings {
        var settings = MailSettings()
        guard let given = value(body, "settings") else { return settings }
        guard case .object(let fields) = given else { throw reject(.settingsInvalid, "body.settings must be an object, got \(kind(given))") }
        try known(fields, settingsFields, where: "body.settings.")
        func flag(_ name: String, _ fallback: Bool) throws(WebhookError) -> Bool {
            switch value(fields, name) {
            case nil: return fallback
            case .bool(let on)?: return on
            case let other?: throw reject(.settingsInvalid, "body.settings.\(name) must be true or false, got \(other.text.prefix(40))")
            }
        }
        switch value(fields, "send_mode") {
        case nil: break
        case .int(let mode)? where (0...2).contains(mode): settings.sendMode = mode
        case let other?: throw reject(.settingsInvalid, "body.settings.send_mode must be 0, 1 or 2, got \(other.text.prefix(40))")
        }
        settings.openTracking = try flag("open_tracking", true)
        settings.clickTracking = try flag("click_tracking", true)
        settings.unsubscribeTracking = try flag("unsubscribe_tracking", true)
        settings.sandbox = try flag("sandbox", false)
        settings.returnEmailID = try flag("return_email_id", true)
        _ = try flag("notification", false)
        switch value(fields, "unsubscribe_page_id") {
        case nil, .int?, .string?: break
        case let other?: throw reject(.settingsInvalid, "body.settings.unsubscribe_page_id must be an id, got \(kind(other))")
        }
        return settings
    }

    static func vars(_ body: [(key: String, value: JSON)], recipients: Int) throws(WebhookError) -> [(name: String, values: [String])] {
        guard let given = value(body, "vars") else { return [] }
        guard case .object(let fields) = given else { throw reject(.varsInvalid, "body.vars must be an object of arrays, got \(kind(given))") }
        guard given.bytes.count <= maxVarsBytes else { throw reject(.varsInvalid, "body.vars is larger than 1 MB") }
        var out: [(name: String, values: [String])] = []
        var keys: [String: String] = [:]
        for field in fields {
            let name = try varName(field.key)
            if let first = keys[name] {
                throw reject(.varsInvalid, "body.vars names \(name) twice: as \(Validation.quoted(first)) and \(Validation.quoted(field.key))")
            }
            keys[name] = field.key
            guard case .array(let items) = field.value else {
                throw reject(.varsInvalid, "body.vars.\(field.key) must be an array with one value per recipient, got \(kind(field.value))")
            }
            guard items.count == recipients else {
                throw reject(.varsInvalid, "body.vars.\(field.key) has \(items.count) value\(items.count == 1 ? "" : "s") for \(recipients) recipient\(recipients == 1 ? "" : "s")")
            }
            var values: [String] = []
            for item in items {
                guard let text = scalarText(item) else { throw reject(.varsInvalid, "body.vars.\(field.key) values must be strings or numbers") }
                values.append(text)
            }
            out.append((name, values))
        }
        return out
    }

    /// A `vars` key as the variable it names: `%name%` as the SDK's README writes it, or bare
    /// `name`; either replaces `%name%`. One `%` at either end is taken off; what is left must
    /// be non-empty and without `%`.
    static func varName(_ key: String) throws(WebhookError) -> String {
        var name = Substring(key)
        if name.hasPrefix("%") { name = name.dropFirst() }
        if name.hasSuffix("%") { name = name.dropLast() }
        guard !name.isEmpty, !name.contains("%") else {
            throw reject(.varsInvalid, "body.vars key \(Validation.quoted(key)) is not a variable name: write name or %name% (not empty, no other %)")
        }
        return String(name)
    }

    static func dynamicVars(_ body: [(key: String, value: JSON)], recipients: Int) throws(WebhookError) -> [[(name: String, value: String)]] {
        guard let given = value(body, "dynamic_vars") else { return [] }
        guard case .array(let items) = given else { throw reject(.dynamicVarsInvalid, "body.dynamic_vars must be an array of objects, got \(kind(given))") }
        guard given.bytes.count <= maxVarsBytes else { throw reject(.dynamicVarsInvalid, "body.dynamic_vars is larger than 1 MB") }
        guard items.count <= 1 || items.count == recipients else {
            throw reject(.dynamicVarsInvalid, "body.dynamic_vars has \(items.count) objects: give one for all recipients or one each (\(recipients))")
        }
        var out: [[(name: String, value: String)]] = []
        for item in items {
            guard case .object(let fields) = item else { throw reject(.dynamicVarsInvalid, "body.dynamic_vars items must be objects, got \(kind(item))") }
            var pairs: [(name: String, value: String)] = []
            for field in fields {
                guard !field.key.isEmpty, let text = scalarText(field.value) else {
                    throw reject(.dynamicVarsInvalid, "body.dynamic_vars values must be strings or numbers, with non-empty names")
                }
                pairs.append((field.key, text))
            }
            out.append(pairs)
        }
        return out
    }

    static func label(_ body: [(key: String, value: JSON)], into request: inout MailRequest) throws(WebhookError) {
        switch value(body, "label_id") {
        case nil: break
        case .int(let id)? where id >= 0: request.labelID = id
        case let other?: throw reject(.labelInvalid, "body.label_id must be a non-negative integer, got \(other.text.prefix(40))")
        }
        switch value(body, "label_name") {
        case nil: break
        case .string(let name)? where name.unicodeScalars.count <= 64: request.labelName = name
        case let other?: throw reject(.labelInvalid, "body.label_name must be a string of at most 64 characters, got \(other.text.prefix(40))")
        }
    }

    static func headers(_ body: [(key: String, value: JSON)]) throws(WebhookError) -> [(name: String, value: String)] {
        guard let given = value(body, "headers") else { return [] }
        guard case .object(let fields) = given else { throw reject(.headersInvalid, "body.headers must be an object of names and values, got \(kind(given))") }
        guard given.bytes.count <= maxHeadersBytes else { throw reject(.headersInvalid, "body.headers is larger than 1 KB") }
        var out: [(name: String, value: String)] = []
        for field in fields {
            let name = field.key
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }) else {
                throw reject(.headersInvalid, "body.headers has a malformed header name \(Validation.quoted(String(name.prefix(40))))")
            }
            guard !refusedHeaders.contains(name.lowercased()) else { throw reject(.headersInvalid, "body.headers may not set \(name)") }
            guard case .string(let text) = field.value, !text.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) else {
                throw reject(.headersInvalid, "body.headers.\(name) must be a string on one line")
            }
            out.append((name, text))
        }
        return out
    }

    static func attachments(_ body: [(key: String, value: JSON)]) throws(WebhookError) -> [MailAttachment] {
        guard let given = value(body, "attachments") else { return [] }
        guard case .array(let items) = given else { throw reject(.attachmentsInvalid, "body.attachments must be an array, got \(kind(given))") }
        var out: [MailAttachment] = []
        var total = 0
        for (index, item) in items.enumerated() {
            let at = "body.attachments[\(index)]"
            guard case .object(let fields) = item else { throw reject(.attachmentsInvalid, "\(at) must be an object, got \(kind(item))") }
            try known(fields, attachmentFields, where: "\(at).")
            func text(_ name: String) throws(WebhookError) -> String? {
                switch value(fields, name) {
                case nil: return nil
                case .string(let text)?: return text
                case let other?: throw reject(.attachmentsInvalid, "\(at).\(name) must be a string, got \(kind(other))")
                }
            }
            guard let content = try text("content"), let size = base64DecodedSize(content) else {
                throw reject(.attachmentsInvalid, "\(at).content is required, in base64")
            }
            guard let filename = try text("filename"), !filename.isEmpty else { throw reject(.attachmentsInvalid, "\(at).filename is required") }
            let disposition = try text("disposition") ?? "attachment"
            guard disposition == "inline" || disposition == "attachment" else {
                throw reject(.attachmentsInvalid, "\(at).disposition must be inline or attachment, got \(Validation.quoted(disposition))")
            }
            let contentID = try text("content_id")
            if disposition == "inline" && (contentID ?? "").isEmpty { throw reject(.attachmentsInvalid, "\(at).content_id is required for an inline attachment") }
            total += size
            guard total <= maxAttachmentBytes else { throw reject(.attachmentsInvalid, "body.attachments are larger than 10 MB in all") }
            out.append(MailAttachment(filename: filename, type: try text("type") ?? "application/octet-stream", disposition: disposition,
                                      contentID: contentID, bytes: size))
        }
        return out
    }

    static func customArgs(_ top: [(key: String, value: JSON)]) throws(WebhookError) -> JSON {
        guard let given = value(top, "custom_args") else { return .object([]) }
        guard case .object(let fields) = given else { throw reject(.customArgsInvalid, "custom_args must be an object, got \(kind(given))") }
        guard given.bytes.count <= maxCustomArgsBytes else { throw reject(.customArgsInvalid, "custom_args is larger than 1 KB (\(given.bytes.count) bytes)") }
        if let dotted = fields.first(where: { $0.key.contains(".") }) {
            throw reject(.customArgsInvalid, "custom_args keys may not contain \".\": \(Validation.quoted(dotted.key))")
        }
        return given
    }

    // MARK: helpers

    /// `Name <addr@host>`, `Name<addr@host>`, `"Name" <addr@host>` or `addr@host`.
    public static func parseAddress(_ text: String) -> MailAddress? {
        let written = String(text.trimmingBlanks)
        var name = ""
        var address = written
        if let open = written.firstIndex(of: "<") {
            guard written.last == ">" else { return nil }
            name = String(written[..<open].trimmingBlanks)
            if name.count >= 2, name.first == "\"", name.last == "\"" { name = String(name.dropFirst().dropLast()) }
            address = String(written[written.index(after: open)..<written.index(before: written.endIndex)])
        }
        guard isAddress(address), !name.contains("<"), !name.contains(">") else { return nil }
        return MailAddress(written: written, address: address, name: name)
    }

    /// local@domain: a local part of printable ASCII without specials, a domain of at least two
    /// labels of letters, digits and hyphens.
    static func isAddress(_ address: String) -> Bool {
        let bytes = Array(address.utf8)
        guard bytes.count <= 254, let at = bytes.firstIndex(of: UInt8(ascii: "@")), bytes.lastIndex(of: UInt8(ascii: "@")) == at else { return false }
        let local = bytes[..<at], domain = bytes[(at + 1)...]
        guard (1...64).contains(local.count), local.first != UInt8(ascii: "."), local.last != UInt8(ascii: "."),
              local.allSatisfy({ $0 > 0x20 && $0 < 0x7F && !"()<>[]\\,;:\"@".utf8.contains($0) }) else { return false }
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        for label in labels {
            guard (1...63).contains(label.count), label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-"),
                  label.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") }) else { return false }
        }
        return true
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    /// The size base64 text decodes to, or nil when it is not base64.
    static func base64DecodedSize(_ text: String) -> Int? {
        var count = 0, padding = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "+"), UInt8(ascii: "/"):
                guard padding == 0 else { return nil }
                count += 1
            case UInt8(ascii: "="): padding += 1; count += 1
            case 0x0A, 0x0D: continue
            default: return nil
            }
        }
        guard count % 4 == 0, padding <= 2 else { return nil }
        return count / 4 * 3 - padding
    }

    static func scalarText(_ value: JSON) -> String? {
        switch value {
        case .string(let text): text
        case .int(let number): String(number)
        case .double(let number): String(number)
        default: nil
        }
    }

    static func value(_ fields: [(key: String, value: JSON)], _ name: String) -> JSON? {
        fields.first { $0.key == name }?.value
    }

    static func known(_ fields: [(key: String, value: JSON)], _ allowed: [String], where prefix: String) throws(WebhookError) {
        for field in fields where !allowed.contains(field.key) {
            throw .unknownField("unknown field \(prefix)\(field.key)\(Suggestion.hint(for: field.key, in: allowed)) (known: \(allowed.joined(separator: ", ")))")
        }
    }

    static func kind(_ value: JSON) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
