import Yams

/// Turns the YAML tree into a `ConnWatchConfig`, reporting every problem to the reader.
struct ConfigBuilder {
    let reader: NodeReader
    let isReadable: (String) -> Bool
    /// Why the systemd credential of that name would not be there for `connwatch run`, or `nil`.
    var credentialProblem: (String) -> String? = { _ in nil }
    /// What the TLS files hold (by default nothing is checked).
    var inspect: ConfiguredFileInspector = { _ in nil }

    /// A path to a file connwatch must be able to read.
    func readablePath(_ node: Node, _ what: String) -> String? {
        guard let path = reader.nonEmptyString(node, what) else { return nil }
        if !isReadable(path) { reader.report(node, "\(what) '\(path)' cannot be read") }
        return path
    }

    /// The name of a systemd credential connwatch must be given.
    func credential(_ node: Node, _ what: String) -> String? {
        guard let name = reader.nonEmptyString(node, what) else { return nil }
        if let problem = credentialProblem(name) { reader.report(node, "\(what) '\(name)' \(problem)") }
        return name
    }

    static let topLevelKeys = ["mqtt", "defaults", "receivers", "rules", "inhibit", "silences", "maintenance", "api"]

    func build(_ root: Node) -> ConnWatchConfig {
        var config = ConnWatchConfig()
        guard let entries = reader.mapping(root, "the configuration", allowed: Self.topLevelKeys) else { return config }
        var rulesNode: Node?
        for entry in entries {
            switch entry.key {
            case "mqtt": config.brokers = brokers(entry.value)
            case "defaults": config.defaults = defaults(entry.value)
            case "receivers": config.receivers = receivers(entry.value)
            case "rules": rulesNode = entry.value
            case "inhibit": config.inhibitRules = inhibitRules(entry.value)
            case "silences": config.silences = silences(entry.value)
            case "maintenance": config.maintenance = maintenanceWindows(entry.value)
            case "api": config.api = api(entry.value)
            default: break
            }
        }
        if let rulesNode {
            for rule in rules(rulesNode, receivers: config.receivers) {
                switch rule {
                case .offline(let offline): config.offlineRules.append(offline)
                case .counting(let counting): config.countingRules.append(counting)
                case .fleet(let fleet): config.fleetRules.append(fleet)
                }
            }
        }
        Self.applyExternalLabels(to: &config)
        if let rulesNode { warnAboutRulesThatCannotMatch(rulesNode, config) }
        warnAboutSharedSubscriptions(entries.first { $0.key == "mqtt" }?.value, config)
        if let inhibit = entries.first(where: { $0.key == "inhibit" })?.value {
            checkInhibitAlertNames(inhibit, config)
        }
        if !entries.contains(where: { $0.key == "mqtt" }) {
            reader.report(root, "the configuration has no 'mqtt' section: connwatch needs at least one broker")
        }
        let defaultsNode = entries.first { $0.key == "defaults" }?.value
        checkReceiverNames(config.defaults.receivers, at: defaultsNode?.mapping?[Node("receivers")], config)
        checkForgetAfter(config, defaults: defaultsNode)
        warnAboutReceiversBesideCluster(rules: rulesNode, defaults: defaultsNode, config)
        if config.defaults.receivers.isEmpty {
            let unrouted =
                config.offlineRules.filter { $0.receivers.isEmpty }.map(\.name)
                + config.countingRules.filter { $0.receivers.isEmpty }.map(\.name)
                + config.fleetRules.filter { $0.receivers.isEmpty }.map(\.name)
            for name in unrouted {
                reader.report(
                    entries.first { $0.key == "rules" }?.value,
                    "rule '\(name)' names no receivers and defaults.receivers is empty: its alerts would go nowhere"
                )
            }
        }
        return config
    }

    // MARK: defaults

    /// A client forgotten before a rule's `for` (or counting window) has passed would never be
    /// alerted on by it: `forget_after` must be longer than every rule's time.
    func checkForgetAfter(_ config: ConnWatchConfig, defaults: Node?) {
        let forgetAfter = config.defaults.forgetAfter
        guard forgetAfter > 0, let node = defaults?.mapping?[Node("forget_after")] else { return }
        let times =
            config.offlineRules.map { ($0.name, $0.forDuration) } + config.countingRules.map { ($0.name, $0.window) }
        for (name, time) in times where time >= forgetAfter {
            reader.report(
                node,
                "forget_after \(DurationText.format(milliseconds: forgetAfter)) is not longer than the "
                    + "\(DurationText.format(milliseconds: time)) of rule '\(name)': its clients would be forgotten "
                    + "before it could fire"
            )
        }
    }

    func defaults(_ node: Node) -> DefaultsConfig {
        var defaults = DefaultsConfig()
        let keys =
            [
                "startup_grace", "receivers", "connection_log_size", "feed_down_after", "forget_after",
                "max_lateness", "external_labels",
            ]
            + Self.groupingKeys
        guard let entries = reader.mapping(node, "defaults", allowed: keys) else { return defaults }
        for entry in entries {
            switch entry.key {
            case "startup_grace": defaults.startupGrace = reader.duration(entry.value, "startup_grace") ?? 0
            case "feed_down_after":
                defaults.feedDownAfter = reader.duration(entry.value, "feed_down_after") ?? defaults.feedDownAfter
            case "forget_after":
                defaults.forgetAfter = reader.duration(entry.value, "forget_after") ?? defaults.forgetAfter
            case "max_lateness":
                defaults.maxLateness = reader.duration(entry.value, "max_lateness") ?? defaults.maxLateness
            case "receivers": defaults.receivers = reader.stringList(entry.value, "receivers") ?? []
            case "external_labels": defaults.externalLabels = externalLabels(entry.value)
            case "connection_log_size":
                defaults.connectionLogSize =
                    reader.int(entry.value, "connection_log_size", range: 1...10_000) ?? defaults.connectionLogSize
            case let key where Self.groupingKeys.contains(key):
                grouping(entry.key, entry.value, into: &defaults.grouping)
            default: break
            }
        }
        return defaults
    }
}
