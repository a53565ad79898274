import WebhookCore

/// `whs listen`: a foreground receiver of pushes (docs/DELIVERY.md).
extension CommandLineOptions {
    struct Listen: Equatable {
        var options = ListenOptions()
        var json = false
    }
}
