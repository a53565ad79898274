import Testing
import WebhookCore
import WhsSupport

/// RFC 5322 as send_mime reads it (docs/SENDING.md, "MIME mail"): the shape of the header, and
/// the html and text the mail log takes from the body.
@Suite struct MimeMessageTests {
    @Test func theSDKsExampleIsTextWithItsHeaders() throws {
        let message = try MimeMessage.parse("From: test@example.com\r\nTo: user@example.com\r\nSubject: Raw MIME\r\n\r\nHello")
        #expect(message.fields.map(\.name) == ["From", "To", "Subject"])
        #expect(message.header("subject") == "Raw MIME" && message.header("SUBJECT") == "Raw MIME")
        #expect(message.text == "Hello" && message.html == "")
    }

    @Test func linesMayEndWithLFAlone() throws {
        let message = try MimeMessage.parse("Subject: Hi\nContent-Type: text/html; charset=utf-8\n\n<p>Hi</p>\n")
        #expect(message.html == "<p>Hi</p>\n" && message.text == "")
        #expect(message.fields.map(\.line) == [1, 2])
    }

    @Test func aFoldedFieldIsUnfolded() throws {
        let message = try MimeMessage.parse("Subject: a long\r\n subject\r\n\tfolded twice\r\nTo: b@example.com\r\n\r\nbody")
        #expect(message.header("Subject") == "a long subject\tfolded twice")
        #expect(message.fields.map(\.line) == [1, 4])
    }

    @Test func headerFieldsAloneAreAMessage() throws {
        for raw in ["Subject: only a header", "Subject: only a header\r\n", "Subject: only a header\n"] {
            let message = try MimeMessage.parse(raw)
            #expect(message.header("subject") == "only a header" && message.text == "", "\(raw)")
        }
    }

    @Test func anEmptyValueAndColonsInTheValueAreFine() throws {
        let message = try MimeMessage.parse("X-Empty:\r\nX-Time: 10:00:00\r\n\r\n")
        #expect(message.header("x-empty") == "" && message.header("x-time") == "10:00:00")
    }

    /// What is not RFC 5322, and the line the refusal names.
    @Test(arguments: [
        ("", 1, "empty"),
        ("\r\nHello", 1, "begins with an empty line"),
        (" Subject: Hi\r\n\r\nbody", 1, "begins with white space"),
        ("Subject: Hi\r\nHello", 2, "\"Hello\" is not a header field"),
        ("Subject: Hi\nTo: a@example.com\nno colon here\n\nbody", 3, "\"no colon here\" is not a header field"),
        ("Sub ject: Hi\r\n\r\nbody", 1, "\"Sub ject\" is not a header field name"),
        ("Subjéct: Hi\r\n\r\nbody", 1, "is not a header field name"),
        (": no name\r\n\r\nbody", 1, "has no field name"),
        ("Subject: Hi\rTo: x\r\n\r\nbody", 1, "carriage return"),
        ("Subject: Hi\r\nContent-Type: multipart/mixed\r\n\r\nbody", 2, "no boundary parameter"),
        ("Subject: Hi\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\nno delimiter at all", 2, "no --b1 line"),
        ("Subject: Hi\nContent-Type: multipart/alternative; boundary=\"b\"\n\n--b\nContent-Type: text/plain\nbroken part line\n\nx\n--b--\n", 6,
         "\"broken part line\" is not a header field"),
    ])
    func refuses(_ raw: String, line: Int, reason: String) {
        do {
            _ = try MimeMessage.parse(raw)
            Issue.record("accepted \(raw.debugDescription)")
        } catch {
            #expect(error.line == line, "\(raw.debugDescription): \(error)")
            #expect(error.reason.contains(reason), "\(raw.debugDescription): \(error)")
        }
    }

    @Test func multipartAlternativeGivesItsTextAndHtmlParts() throws {
        let raw = """
            From: shop@example.com\r
            Subject: Both\r
            MIME-Version: 1.0\r
            Content-Type: multipart/alternative; boundary="=_b 1"\r
            \r
            This is the preamble.\r
            --=_b 1\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            Hi Ann\r
            --=_b 1  \r
            Content-Type: text/html; charset=utf-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            <a href=3D"https://shop.example/x">Shop</a> =\r
            caf=C3=A9\r
            --=_b 1--\r
            epilogue
            """
        let message = try MimeMessage.parse(raw)
        #expect(message.text == "Hi Ann")
        #expect(message.html == "<a href=\"https://shop.example/x\">Shop</a> café")
    }

    @Test func nestedPartsAreSearchedAndAttachmentsSkipped() throws {
        let raw = """
            Subject: Mixed
            Content-Type: multipart/mixed; boundary=outer

            --outer
            Content-Type: text/plain
            Content-Disposition: attachment; filename="notes.txt"

            not the text
            --outer
            Content-Type: multipart/alternative; boundary=inner

            --inner
            Content-Type: text/plain
            Content-Transfer-Encoding: base64

            SGVsbG8sIEFubg==
            --inner
            Content-Type: text/html

            <p>Hello, Ann</p>
            --inner--
            --outer--
            """
        let message = try MimeMessage.parse(raw)
        #expect(message.text == "Hello, Ann")
        #expect(message.html == "<p>Hello, Ann</p>")
    }

    @Test func aPartWithoutHeadersIsPlainText() throws {
        let message = try MimeMessage.parse("Content-Type: multipart/mixed; boundary=x\n\n--x\n\nplain words\n--x--\n")
        #expect(message.text == "plain words")
    }

    @Test func aSinglePartOfAnotherTypeIsText() throws {
        #expect(try MimeMessage.parse("Content-Type: text/markdown\n\n# Hi").text == "# Hi")
        #expect(try MimeMessage.parse("Content-Transfer-Encoding: base64\n\nbm90IGJhc2U2NCE=").text == "not base64!")
        #expect(try MimeMessage.parse("Content-Transfer-Encoding: base64\n\nnot base64!").text == "not base64!")
    }
}
