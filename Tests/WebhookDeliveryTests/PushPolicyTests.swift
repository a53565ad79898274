import Testing
import WebhookDelivery

/// What a public node refuses (docs/SCALING.md): every special range, names that resolve into
/// one, and the allow-list's exceptions. On loopback nothing is refused.
@Suite struct PushPolicyTests {
    static let public_ = PushPolicy(refusesPrivate: true)

    @Test(arguments: [
        "http://127.0.0.1:8088/h", "http://10.0.0.5/h", "http://172.16.9.1/h", "http://192.168.1.1/h", "http://169.254.169.254/latest",
        "http://[::1]:9/h", "http://[fd00::1]/h", "http://[fe80::1]/h", "http://[::ffff:10.0.0.1]/h", "http://0.0.0.0/h",
        "http://100.64.0.1/h", "http://localhost:8080/h", "https://user:pw@127.0.0.1/h",
    ])
    func specialAddressesAreRefused(_ url: String) {
        let refusal = Self.public_.refusal(url: url)
        #expect(refusal?.hasPrefix("refused:") == true, "\(url): \(refusal ?? "allowed")")
    }

    @Test(arguments: ["http://93.184.215.14/h", "https://[2606:4700::1111]/h", "http://8.8.8.8:8080/x?y=1"])
    func publicAddressesGo(_ url: String) {
        #expect(Self.public_.refusal(url: url) == nil)
    }

    @Test func theAllowListAndLoopbackNodes() throws {
        let allowing = PushPolicy(refusesPrivate: true, allowed: [try AddressRange(parsing: "10.20.0.0/16"), try AddressRange(parsing: "::1")])
        #expect(allowing.refusal(url: "http://10.20.3.4/h") == nil)
        #expect(allowing.refusal(url: "http://10.21.0.1/h") != nil)
        #expect(allowing.refusal(url: "http://[::1]/h") == nil)
        #expect(PushPolicy.anywhere.refusal(url: "http://127.0.0.1/h") == nil)
        #expect(throws: Never.self) { try AddressRange(parsing: "0.0.0.0/0") }
        for bad in ["10.0.0.0/33", "fd00::/129", "not-an-address", "10.0.0/8"] {
            #expect(throws: (any Error).self, "\(bad)") { try AddressRange(parsing: bad) }
        }
    }
}
