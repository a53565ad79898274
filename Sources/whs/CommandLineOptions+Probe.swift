import WebhookCore
import WhsSupport

/// `whs probe` and `whs repush`: the receiver bench on the command line (docs/DELIVERY.md).
extension CommandLineOptions {
    /// Where the key that signs the pushes comes from: `--app-key`, `$WHS_APP_KEY`, else the
    /// store's account (`--store PATH`, else the default store).
    struct KeyOption: Equatable {
        var key: String?
        /// `--app-key` or `$WHS_APP_KEY`, for the first line printed.
        var source = ""

        init() {
            if let key = Environment.nonEmpty("WHS_APP_KEY") {
                self.key = key
                source = "$WHS_APP_KEY"
            }
        }
    }

    struct Probe: Equatable {
        var url = ""
        var key = KeyOption()
        var json = false
    }

    struct Repush: Equatable {
        var file = ""
        var url = ""
        var key = KeyOption()
        /// `--signature md5|hmac-sha256`, checked when run.
        var signature = "md5"
        var json = false
    }
}
