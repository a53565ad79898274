/// The four send routes of EngageLab's Email API, as the official SDK calls them (`send`,
/// `send_template`, `send_calendar`, `send_mime`). They read the same body with a few
/// differences (docs/SENDING.md): sendtemplate names a stored template instead of giving
/// content, sendcalendar adds `body.calendar`, an invitation, and send_mime gives the whole
/// message as RFC 5322 text in `body.content.raw_message`.
public enum MailRoute: String, Sendable, CaseIterable {
    case send, template, calendar, mime

    /// The route's path on the API.
    public var path: String {
        switch self {
        case .send: "/v1/mail/send"
        case .template: "/v1/mail/sendtemplate"
        case .calendar: "/v1/mail/sendcalendar"
        case .mime: "/v1/mail/send_mime"
        }
    }
}
