import ReceiverBench
import WebhookCore
import WebhookDelivery
import WhsSupport

/// `whs repush FILE URL`: pushes saved by `whs listen --save` sent again, signed now, one line
/// (or one JSON document) for what each got; exit 1 unless every one got 200 or 204.
enum RepushCommand {
    static func run(_ repush: CommandLineOptions.Repush, backend: CommandLineOptions.Backend) -> Int32 {
        let url: String
        let form: Signature.Variant
        do {
            url = try BenchTools.pushURL(repush.url)
            form = try Signature.Variant.scheme(named: repush.signature)
        } catch { fail("repush: \(error.message)", status: 2) }
        // The whole file is read and checked before the key is looked for or anything is sent.
        let pushes: [SavedPush]
        do { pushes = try SavedPush.read(file: repush.file) } catch { fail("repush: \(error.message)", status: 1) }
        let (key, _) = BenchKey.resolve(repush.key, backend: backend, command: "repush")
        let json = repush.json
        let results = Blocking.run { () async -> [Repush.Result] in
            await Repush.run(pushes, url: url, appKey: key, signature: form) { result in
                if !json { Foreground.write([result.line]) }
            }
        }
        if json { Foreground.write([JSON.array(results.map(\.json)).text]) }
        return results.allSatisfy(\.received) ? 0 : 1
    }
}
