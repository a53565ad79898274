import ReceiverBench
import WebhookCore
import WebhookDelivery
import WhsSupport

/// `whs listen`: receive pushes in the foreground, one line (or JSON document) each.
enum ListenCommand {
    static func run(_ listen: CommandLineOptions.Listen) -> Int32 {
        let json = listen.json
        let options = listen.options
        let receiver: PushReceiver
        do {
            receiver = try BenchTools.receiver(options) { push in
                Foreground.write([json ? push.report.text : push.line])
            }
        } catch { fail("listen: \(error.message)", status: 1) }
        let failure = Foreground.run {
            try await receiver.run { port in
                let checked = options.appKey == nil ? "not checked: no --app-key or $WHS_APP_KEY" : "checked"
                let forwarding = options.forwardTo.map { ", forwarding to \($0)" } ?? ""
                let saving = options.saveTo.map { ", saving to \($0)" } ?? ""
                Foreground.write(["whs listen: listening on http://\(options.host.urlHost):\(port)/ (signatures \(checked))\(forwarding)\(saving)"])
            }
        }
        if let failure { fail("listen: cannot listen on \(options.host):\(options.port): \(failure)", status: 1) }
        return 0
    }
}
