import Foundation
import Testing
import WhsTestSupport

/// `mail ID` in the built binary shows what a sendcalendar or send_mime kept (docs/SENDING.md):
/// the invitation on one line, the message's lines under the first. (Tests/Scripts/
/// sending-routes.whs checks the values; the times in this view change from run to run.)
@Suite struct MailRoutesShellTests {
    @Test func mailShowsTheInvitationAndTheMessage() async throws {
        let script = """
            set event_delay 0
            send "ann@example.com" from="shop@example.com" subject="Sync" html="<p>Join</p>" calendar={time_zone_id: "Asia/Shanghai", start_time: "2026-06-10 10:00:00", end_time: "2026-06-10 11:00:00", title: "Project Meeting", organizer: {name: "EngageLab", email: "support@mail.engagelab.com"}, location: "Online"}
            send "bob@example.com" from="shop@example.com" mime="From: shop@example.com\\r\\nSubject: Raw\\r\\n\\r\\nHello\\r\\nBob"
            mail 1
            mail 2
            """
        let result = try await WhsBinary.run(["--memory", "-c", script])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.contains("calendar:    Project Meeting, 2026-06-10 10:00:00 to 2026-06-10 11:00:00 (Asia/Shanghai), organizer EngageLab <support@mail.engagelab.com>, at Online"),
                "\(result.stdout)")
        guard let mime = lines.firstIndex(of: "mime:        From: shop@example.com") else {
            Issue.record("no mime line in\n\(result.stdout)")
            return
        }
        #expect(Array(lines[mime..<min(mime + 5, lines.count)]) == [
            "mime:        From: shop@example.com", "             Subject: Raw", "", "             Hello", "             Bob",
        ], "\(result.stdout)")
    }
}
