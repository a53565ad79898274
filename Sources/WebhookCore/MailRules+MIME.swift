import WhsSupport

/// `body.content` of `/v1/mail/send_mime` (docs/SENDING.md, "MIME mail"): the whole message as
/// RFC 5322 text in `raw_message`. Its body gives the mail log's html and text, its Subject
/// header the subject when `body.subject` leaves it out.
extension MailRules {
    /// The body fields of send_mime: a send's, less what the message carries itself (its
    /// headers, Reply-To and parts).
    static let mimeBodyFields = ["subject", "content", "cc", "bcc", "vars", "dynamic_vars", "label_id", "label_name", "settings"]
    static let mimeContentFields = ["raw_message"]

    static func mime(_ body: [(key: String, value: JSON)], into request: inout MailRequest) throws(WebhookError) {
        guard case .object(let content)? = value(body, "content") else {
            throw reject(.contentInvalid, "body.content is required: an object with raw_message, the message as RFC 5322 text")
        }
        try known(content, mimeContentFields, where: "body.content.")
        let raw: String
        switch value(content, "raw_message") {
        case nil: throw reject(.mimeInvalid, "body.content.raw_message is required on send_mime: the message as RFC 5322 text")
        case .string(let text)?: raw = text
        case let other?: throw reject(.mimeInvalid, "body.content.raw_message must be a string, got \(kind(other))")
        }
        let message: MimeMessage
        do throws(MimeMessage.Malformed) { message = try MimeMessage.parse(raw) } catch {
            throw reject(.mimeInvalid, "body.content.raw_message is not an RFC 5322 message: \(error)")
        }
        request.mime = raw
        request.html = message.html
        request.text = message.text
        guard (request.subject ?? "").isEmpty else { return }
        guard let subject = message.header("subject"), !subject.isEmpty else {
            throw reject(.subjectInvalid, "body.subject is required when body.content.raw_message has no Subject header")
        }
        let length = subject.unicodeScalars.count
        guard length <= maxSubject else {
            throw reject(.subjectInvalid, "the Subject header of body.content.raw_message is longer than \(maxSubject) characters (\(length))")
        }
        request.subject = subject
    }
}
