import WebhookCore
import WhsSupport

/// The `.whs` script `whs dump` writes and `whs serve --seed` runs (docs/OPERATIONS.md, "Dump
/// and seed"): an account's webhooks and templates as statements that make a store have them,
/// and change nothing when the store has them already. Its first comment lines say which
/// account it is (`# account: NAME`) and where that account's app key comes from
/// (`# app key: $VARIABLE`): the key itself is never written.
enum SeedScript {
    /// What the leading comments of a seed script say.
    struct Header: Equatable {
        var account: String?
        /// The environment variable that holds the account's app key, without its `$`.
        var appKeyVariable: String?
    }

    /// The comment block before the first statement: `# account: NAME` and `# app key: $VAR`.
    static func header(of text: String) -> Header {
        var header = Header()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingBlanks
            if trimmed.isEmpty { continue }
            guard trimmed.hasPrefix("#") else { break }
            let comment = trimmed.dropFirst().trimmingBlanks
            if comment.hasPrefix("account:") {
                header.account = String(comment.dropFirst("account:".count).trimmingBlanks)
            } else if comment.hasPrefix("app key:") {
                let value = comment.dropFirst("app key:".count).trimmingBlanks
                guard value.hasPrefix("$") else { continue }
                header.appKeyVariable = String(value.dropFirst().prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
            }
        }
        return header
    }

    /// `WHS_APP_KEY_ACME` for `acme` (`acme-eu.test` gives `WHS_APP_KEY_ACME_EU_TEST`).
    static func appKeyVariable(for account: String) -> String {
        "WHS_APP_KEY_" + String(account.uppercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
    }

    /// The script for `account`: its webhooks by id, its templates by name.
    static func dump(account: String, webhooks: [Webhook], templates: [MailTemplate], source: String, at time: Double) -> String {
        let variable = appKeyVariable(for: account)
        var lines = [
            "#!/usr/bin/env whs",
            "# account: \(account)",
            "# app key: $\(variable) (its value becomes the account's app key when whs serve --seed runs this; never written here)",
            "#",
            "# whs dump of \(webhooks.count) webhook\(webhooks.count == 1 ? "" : "s") and \(templates.count) template\(templates.count == 1 ? "" : "s"),"
                + " from \(source) at \(Clock.iso8601(time)).",
            "# Running it again changes nothing: a webhook is added when its url is not there for its",
            "# api_user, and its events set when they differ; a template is put when it differs. Nothing",
            "# is deleted. Seed a node with it: whs serve --seed FILE; or run it: whs --url URL FILE.",
            "",
            "# The account's webhooks as they are now, every page.",
            "$hooks = []",
            "$page = list limit=100",
            "while len($page.result) > 0 and len($hooks) < $page.total {",
            "  $hooks = $hooks + $page.result",
            "  $page = list offset=len($hooks) limit=100",
            "}",
            "$kept = (templates).templates",
            "",
            "def ensure_webhook($url, $api_user, $events) {",
            "  for $w in $hooks {",
            "    if $w.url == $url and $w.api_user == $api_user {",
            "      if $w.event != $events { $changed = modify $w.id events=$events }",
            "      return $w.id",
            "    }",
            "  }",
            "  return (add $url api_user=$api_user events=$events).id",
            "}",
            "",
            "def ensure_template($name, $subject, $html, $text) {",
            "  for $t in $kept {",
            "    if $t.name == $name and $t.subject == $subject and $t.html == $html and $t.text == $text { return $name }",
            "  }",
            "  $put = template put $name subject=$subject html=$html text=$text",
            "  return $name",
            "}",
        ]
        if !webhooks.isEmpty { lines += ["", "# Webhooks (ids are the store's own: a seeded store gives its own)."] }
        for webhook in webhooks.sorted(by: { $0.id < $1.id }) {
            let codes = webhook.events.codes.map(String.init).joined(separator: ", ")
            let names = webhook.events.codes.compactMap { EventType.withCode($0)?.name }.joined(separator: ", ")
            lines.append("$id = ensure_webhook(\(literal(webhook.url)), \(literal(webhook.apiUser)), [\(codes)])  # \(names)")
        }
        if !templates.isEmpty { lines += ["", "# Templates."] }
        for template in templates.sorted(by: { $0.name < $1.name }) {
            lines.append("$name = ensure_template(\(literal(template.name)), \(literal(template.subject)), \(literal(template.html)), \(literal(template.text)))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A raw string of the language: `'...'`, where only `\'` and `\\` are escapes, so a `$`
    /// or a `{` in a template stays as it is.
    static func literal(_ text: String) -> String {
        "'" + text.backslashEscaped(quoting: ["'"]) + "'"
    }
}
