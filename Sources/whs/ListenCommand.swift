import Dispatch
import Glibc
import WebhookCore
import WebhookDelivery

/// `whs listen`: receive pushes in the foreground, one line (or JSON document) each.
enum ListenCommand {
    static func run(_ listen: CommandLineOptions.Listen) -> Int32 {
        let json = listen.json
        let receiver = PushReceiver(listen.options) { push in
            write(json ? push.report.text : push.line)
        }
        let done = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        let options = listen.options
        Task {
            do {
                try await receiver.run { port in
                    let host = options.host.contains(":") ? "[\(options.host)]" : options.host
                    let checked = options.appKey == nil ? "not checked: no --app-key or $WHS_APP_KEY" : "checked"
                    write("whs listen: listening on http://\(host):\(port)/ (signatures \(checked))")
                }
            } catch {
                failure.message = "\(error)"
            }
            done.signal()
        }
        done.wait()
        if let message = failure.message { fail("listen: cannot listen on \(options.host):\(options.port): \(message)", status: 1) }
        return 0
    }

    /// One line to stdout in one write, so lines from concurrent pushes never interleave and
    /// a reader of a pipe sees each push as it arrives.
    static func write(_ line: String) {
        let text = line + "\n"
        _ = text.withCString { Glibc.write(1, $0, strlen($0)) }
    }
}
