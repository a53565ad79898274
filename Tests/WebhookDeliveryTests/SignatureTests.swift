import Testing
import WebhookCore
import WebhookDelivery

/// Known vectors from the RFCs (HMAC-SHA256: RFC 4231 case 2; MD5: RFC 1321), and vectors made
/// with Python's hmac and hashlib for a realistic timestamp and key.
@Suite struct SignatureTests {
    @Test func hmacMatchesRFC4231() {
        #expect(Signature.sign(.hmacSHA256, timestamp: "what do ya want for nothing?", appKey: "Jefe")
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func md5VariantsConcatenateInTheirOrder() {
        // md5("abc") from RFC 1321, reached through each variant's order of parts.
        #expect(Signature.compute(.md5, timestamp: "a", appKeyHeader: "b", secret: "c") == "900150983cd24fb0d6963f7d28e17f72")
        #expect(Signature.compute(.md5KeyThenAppKey, timestamp: "a", appKeyHeader: "c", secret: "b") == "900150983cd24fb0d6963f7d28e17f72")
    }

    static let key = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    static let stamp = "1764176584"

    @Test(arguments: [
        ("2a5e972a9b87b32eee7ddd45857139bf73c695e0b0ba137da27c0c17d5a32620", Signature.Verdict.valid(.hmacSHA256)),
        ("2A5E972A9B87B32EEE7DDD45857139BF73C695E0B0BA137DA27C0C17D5A32620", .valid(.hmacSHA256)),
        ("3cee3eff27bd274f642cd1a7736c3abe", .valid(.md5)),
        ("3CEE3EFF27BD274F642CD1A7736C3ABE", .valid(.md5)),
        ("aa222367b7d927d870aef34f0169456f", .valid(.md5KeyThenAppKey)),
        ("aa222367b7d927d870aef34f0169456e", .invalid),
        ("2a5e972a9b87b32eee7ddd45857139bf73c695e0b0ba137da27c0c17d5a3262", .invalid),
        ("not hex at all", .invalid),
    ])
    func verifierSaysWhichVariantMatched(_ signature: String, _ verdict: Signature.Verdict) {
        #expect(Signature.verify(timestamp: SignatureTests.stamp, appKeyHeader: "email", signature: signature, secret: SignatureTests.key) == verdict)
    }

    /// md5(timestamp + "email" + app key), what "Learn about WebHook" gives and production
    /// sends (docs/FIDELITY.md, "Push headers"), unless asked for the HMAC.
    @Test func whsSendsMD5ByDefaultAndHMACWhenAsked() {
        #expect(Signature.sign(timestamp: SignatureTests.stamp, appKey: SignatureTests.key) == "3cee3eff27bd274f642cd1a7736c3abe")
        #expect(Signature.sign(.hmacSHA256, timestamp: SignatureTests.stamp, appKey: SignatureTests.key)
            == "2a5e972a9b87b32eee7ddd45857139bf73c695e0b0ba137da27c0c17d5a32620")
    }

    @Test func aForgedSignatureVerifiesAsNoVariant() {
        let forged = Signature.forged(.md5, timestamp: SignatureTests.stamp)
        #expect(forged.count == 32)
        #expect(Signature.verify(timestamp: SignatureTests.stamp, appKeyHeader: "email", signature: forged, secret: SignatureTests.key) == .invalid)
    }

    @Test func schemesByName() throws {
        #expect(try Signature.Variant.scheme(named: "md5") == .md5)
        #expect(try Signature.Variant.scheme(named: "HMAC-SHA256") == .hmacSHA256)
        // The second MD5 reading is recognised, never sent.
        #expect(throws: WebhookError.invalidParameter("unknown signature \"md5-key-appkey\" (known: md5, hmac-sha256)")) {
            try Signature.Variant.scheme(named: "md5-key-appkey")
        }
        #expect(throws: WebhookError.invalidParameter("unknown signature \"hmac\" (known: md5, hmac-sha256)")) {
            try Signature.Variant.scheme(named: "hmac")
        }
    }

    @Test(arguments: [(200, true), (204, true), (201, false), (202, false), (299, false), (301, false), (500, false)])
    func onlyTwoHundredAndTwoHundredFourAreReceived(_ status: Int, _ received: Bool) {
        #expect(PushSender.isReceived(status) == received)
    }

    @Test func missingPartsAndMissingKey() {
        #expect(Signature.verify(timestamp: nil, appKeyHeader: "email", signature: "ab", secret: "k") == .missing)
        #expect(Signature.verify(timestamp: "1", appKeyHeader: "email", signature: nil, secret: "k") == .missing)
        #expect(Signature.verify(timestamp: "1", appKeyHeader: "email", signature: "ab", secret: nil) == .unchecked)
        // Another key's signature does not pass.
        let other = Signature.sign(.hmacSHA256, timestamp: SignatureTests.stamp, appKey: "another key")
        #expect(Signature.verify(timestamp: SignatureTests.stamp, appKeyHeader: "email", signature: other, secret: SignatureTests.key) == .invalid)
    }

    @Test func headersOfAPush() {
        let headers = PushSender.headers(timestamp: 1_764_176_584, appKey: SignatureTests.key)
        let named = Dictionary(uniqueKeysWithValues: headers)
        #expect(named["X-WebHook-Timestamp"] == SignatureTests.stamp)
        #expect(named["X-WebHook-AppKey"] == "email")
        #expect(named["X-WebHook-Signature"] == "3cee3eff27bd274f642cd1a7736c3abe")
        let hmac = Dictionary(uniqueKeysWithValues: PushSender.headers(timestamp: 1_764_176_584, appKey: SignatureTests.key, signature: .hmacSHA256))
        #expect(hmac["X-WebHook-Signature"] == "2a5e972a9b87b32eee7ddd45857139bf73c695e0b0ba137da27c0c17d5a32620")
        #expect(named["Content-Type"] == "application/json; charset=utf-8")
    }
}
