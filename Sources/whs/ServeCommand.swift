import MailSandbox
import WebhookCore
import WebhookDelivery
import WebhookHTTP
import WhsShell
import WhsSupport

/// `whs serve`: open the store, add the users given, serve until SIGINT or SIGTERM.
enum ServeCommand {
    static func run(_ options: CommandLineOptions.Serve, backend: CommandLineOptions.Backend) -> Int32 {
        let store: any WebhookBackend & DeliveryStore & MailStore
        var eventDelay = Mailer.defaultEventDelay
        var grants: [UserGrant] = []
        var schedule = RetrySchedule.standard
        var appKeyLines: [String] = []
        do {
            if let text = options.retryDelays {
                do { schedule = try RetrySchedule(parsing: text) } catch { throw WebhookError.invalidParameter("--retry-delays: \(error)") }
            }
            if let text = options.eventDelay {
                guard let seconds = Double(text), seconds >= 0, seconds <= 3600 else {
                    throw WebhookError.invalidParameter("--event-delay must be seconds from 0 to 3600, got \(Validation.quoted(text))")
                }
                eventDelay = seconds
            }
            store = try Backends.openBackend(backend)
            // $WHS_USERS keeps keys out of `ps`; --user is for quick local runs.
            if let fromEnvironment = Environment.nonEmpty("WHS_USERS") { grants += try UserGrant.parseList(fromEnvironment) }
            for user in options.users { grants.append(try UserGrant.parse(user)) }
            for grant in grants { try store.grant(grant) }
            var shown: Set<String> = []
            for grant in grants where shown.insert(grant.account).inserted {
                appKeyLines.append("whs serve: account \(grant.account): app key \(try store.appKey(account: grant.account)) (signs its pushes)")
            }
        } catch {
            fail("serve: \(error)", status: 2)
        }
        let noUsers = grants.isEmpty
        let keyLines = appKeyLines
        let dispatcher = Dispatcher(store: store, schedule: schedule)
        let resumed: Int
        do { resumed = try dispatcher.resumePending() } catch { fail("serve: \(error)", status: 1) }
        let mailer = Mailer(store: store, dispatcher: dispatcher, eventDelay: eventDelay)
        let server = WebhookServer(backend: store, host: options.host, port: options.port, logRequests: !options.quiet,
                                   dispatcher: dispatcher, mailer: mailer)
        let failure = Foreground.run {
            try await server.run { port in
                var lines = ["whs serve: listening on http://\(options.host.urlHost):\(port) (\(store.description))"] + keyLines
                if resumed > 0 { lines.append("whs serve: resuming \(resumed) pending deliver\(resumed == 1 ? "y" : "ies")") }
                if noUsers { lines.append("whs serve: no users given (--user or $WHS_USERS): only API_USERs already in the store can authenticate") }
                Foreground.write(lines)
            }
        }
        if let failure { fail("serve: \(failure)", status: 1) }
        return 0
    }
}
