import WebhookCore
import WhsSupport

extension Mailer {
    /// What the mail log keeps of a sendcalendar or send_mime beside html and text (the
    /// `extra` column): the invitation as checked, or the MIME source with the recipient's
    /// variables replaced, as the body taken from it was. nil for the other routes.
    static func extra(of request: MailRequest, _ variables: [(pattern: String, value: String)]) -> JSON? {
        if let calendar = request.calendar { return .object([("calendar", calendar)]) }
        if let mime = request.mime { return .object([("mime", .string(MailLife.replacing(variables, in: mime)))]) }
        return nil
    }
}
