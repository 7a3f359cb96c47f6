/// `connwatch export alertmanager-config`: an `alertmanager.yml` that routes connwatch's alerts the
/// way connwatch itself would (its receivers, each rule's receivers, `defaults.receivers`, the
/// grouping timers, inhibit rules and maintenance windows), for a setup where connwatch posts to
/// Alertmanager and Alertmanager notifies. Maintenance windows are muted time intervals (see
/// ``AlertmanagerMaintenanceExport``); silences are not exported, Alertmanager keeps them in its API.
///
/// Secrets are never written into it: a URL or key that connwatch reads from a file becomes a
/// `*_file` reference to that file, one from a systemd credential a reference to the credential of
/// Debian's `prometheus-alertmanager.service`; a secret written inline in connwatch's configuration
/// becomes a reference to a file to create. Where Alertmanager 0.25 has no receiver for a type, or
/// no `*_file` field for its secret, the receiver is written without a configuration (Alertmanager
/// then drops what is routed to it) and a comment says why.
public enum AlertmanagerConfigExport {
    /// Where a systemd credential of Alertmanager's unit is found.
    public static let credentialDirectory = "/run/credentials/prometheus-alertmanager.service"

    /// The types Alertmanager 0.25 cannot notify, with the reason.
    public static func unsupported(_ type: ReceiverType) -> String? {
        switch type {
        case .teams: return "Alertmanager 0.25 has no Microsoft Teams receiver (msteams_configs came later)"
        case .googlechat: return "Alertmanager has no Google Chat receiver"
        case .rocketchat: return "Alertmanager 0.25 has no Rocket.Chat receiver"
        case .ntfy: return "Alertmanager has no ntfy receiver"
        case .alertmanager:
            return "it is an Alertmanager: forwarding from one Alertmanager to another is not a receiver"
        case .discord:
            return "Alertmanager 0.25's discord_configs takes its secret URL only inline (no webhook_url_file)"
        default: return nil
        }
    }

    /// The configuration text; `configDirectory` resolves connwatch's relative `*_file` paths.
    public static func render(_ config: ConnWatchConfig, configDirectory: String) -> String {
        var lines = [
            "# Made by `connwatch export alertmanager-config` from connwatch's receivers, routes, grouping, "
                + "inhibit rules and maintenance windows.",
            "route:",
            "  receiver: \(quote(config.defaults.receivers.first ?? nullReceiver))",
        ]
        lines += grouping(config.defaults.grouping, indent: "  ")
        let maintenance = AlertmanagerMaintenanceExport(config.maintenance)
        var routes: [(receiver: String, alertname: String?, continues: Bool)] = []
        let rules =
            config.offlineRules.map { ($0.name, $0.receivers) } + config.countingRules.map { ($0.name, $0.receivers) }
            + config.fleetRules.map { ($0.name, $0.receivers) }
        for (rule, receivers) in rules where !receivers.isEmpty {
            for (index, receiver) in receivers.enumerated() {
                routes.append((receiver, rule, index < receivers.count - 1))
            }
        }
        // Every other alert goes to each default receiver: all but the last route continue. The root
        // route cannot be muted: with maintenance windows, a single default receiver has a route too.
        let defaults = config.defaults.receivers
        if defaults.count > 1 || (defaults.count == 1 && !config.maintenance.isEmpty) {
            for (index, receiver) in defaults.enumerated() {
                routes.append((receiver, nil, index < defaults.count - 1))
            }
        }
        if !routes.isEmpty { lines.append("  routes:") }
        for route in routes {
            lines.append("    - receiver: \(quote(route.receiver))")
            if let rule = route.alertname { lines.append("      matchers: [\(quote("alertname=\(quote(rule))"))]") }
            if route.continues { lines.append("      continue: true") }
            lines += maintenance.routeLines(indent: "      ")
        }
        lines.append("receivers:")
        if config.defaults.receivers.isEmpty { lines.append("  - name: \(quote(nullReceiver))") }
        for receiver in config.receivers {
            lines.append("  - name: \(quote(receiver.name))")
            lines += self.receiver(receiver, configDirectory: configDirectory)
        }
        lines += inhibitRules(config.inhibitRules)
        lines += maintenance.sectionLines
        if !config.silences.isEmpty {
            lines.append(
                "# silences: not exported; Alertmanager keeps silences in its API, not in this file "
                    + "(amtool silence add)"
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// connwatch's `inhibit:` rules: the same matchers and `equal` labels, which Alertmanager reads the
    /// same way (a label missing on both alerts is equal; an alert never inhibits itself). Regular
    /// expressions are copied as written: Alertmanager reads them as Go's RE2, anchored as connwatch does.
    static func inhibitRules(_ rules: [InhibitRule]) -> [String] {
        guard !rules.isEmpty else { return [] }
        func list(_ items: [String]) -> String { "[\(items.map(quote).joined(separator: ", "))]" }
        var lines = ["inhibit_rules:"]
        for rule in rules {
            if !rule.name.isEmpty {
                lines.append("  # \(rule.name.split(whereSeparator: \.isNewline).joined(separator: " "))")
            }
            lines.append("  - source_matchers: \(list(rule.sourceMatchers.map(\.description)))")
            lines.append("    target_matchers: \(list(rule.targetMatchers.map(\.description)))")
            lines.append("    equal: \(list(rule.equal))")
        }
        return lines
    }

    /// The receiver an alert routed nowhere goes to (connwatch's alerts always name one).
    static let nullReceiver = "connwatch-none"

    static func grouping(_ options: GroupingOptions, indent: String) -> [String] {
        [
            "\(indent)group_by: [\(options.groupBy.map(quote).joined(separator: ", "))]",
            "\(indent)group_wait: \(duration(options.groupWait))",
            "\(indent)group_interval: \(duration(options.groupInterval))",
            "\(indent)repeat_interval: \(duration(options.repeatInterval))",
        ]
    }

    /// One receiver's configuration lines (after its name).
    static func receiver(_ receiver: ReceiverConfig, configDirectory: String) -> [String] {
        if let reason = unsupported(receiver.type) {
            return ["    # \(receiver.type.rawValue): not exported, \(reason); alerts routed here are dropped"]
        }
        let secret = secretFile(receiver, configDirectory: configDirectory)
        let resolved = "        send_resolved: \(receiver.sendResolved)"
        switch receiver.type {
        case .slack, .mattermost:
            let note =
                receiver.type == .mattermost ? ["    # mattermost: its incoming webhooks take Slack's payload"] : []
            return note + ["    slack_configs:", "      - api_url_file: \(quote(secret.path))", resolved]
                + secret.comment
        case .pagerduty:
            guard let key = routingKeyFile(receiver, configDirectory: configDirectory) else { return [] }
            var lines = ["    pagerduty_configs:", "      - routing_key_file: \(quote(key))", resolved]
            if let url = receiver.url { lines.append("        url: \(quote(url))") }
            return lines
        case .webhook:
            // Alertmanager 0.25's webhook_configs takes its URL inline only: a URL connwatch keeps
            // secret stays out of this file.
            guard let url = receiver.url else {
                return ["    # webhook: its URL is a secret and Alertmanager 0.25's webhook_configs has no url_file"]
            }
            return [
                "    webhook_configs:", "      - url: \(quote(url))", resolved,
                "        max_alerts: \(receiver.maxAlerts ?? 0)",
            ]
        default:
            return []
        }
    }

    /// Where a receiver's URL is read from, and a comment when it must be written there first.
    static func secretFile(_ receiver: ReceiverConfig, configDirectory: String) -> (path: String, comment: [String]) {
        if let file = receiver.urlFile { return (absolute(file, configDirectory), []) }
        if let name = receiver.urlCredential { return ("\(credentialDirectory)/\(name)", []) }
        let path = "secrets/\(receiver.name)-url"
        return (path, ["    # write the URL (inline in connwatch's configuration) to \(path), beside this file"])
    }

    static func routingKeyFile(_ receiver: ReceiverConfig, configDirectory: String) -> String? {
        if let file = receiver.routingKeyFile { return absolute(file, configDirectory) }
        return receiver.routingKeyCredential.map { "\(credentialDirectory)/\($0)" }
    }

    static func absolute(_ path: String, _ directory: String) -> String {
        path.hasPrefix("/") || directory.isEmpty ? path : "\(directory)/\(path)"
    }

    /// Milliseconds as an Alertmanager duration (`30s`, `1500ms`).
    static func duration(_ milliseconds: Int64) -> String {
        milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(milliseconds)ms"
    }

    /// A YAML double-quoted scalar: Go's quoting, whose escapes YAML's double quotes all know.
    static func quote(_ text: String) -> String { GoQuote.quoted(text) }
}
