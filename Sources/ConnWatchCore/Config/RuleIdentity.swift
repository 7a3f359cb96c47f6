/// What shows of a rule in its alerts, whatever its kind: the labels every alert of it carries
/// (`alertname`, `severity`, its own and the external labels), what an alert is about (one client,
/// with every client label, or a group, with its one label), which clients it watches and when it
/// fires. Two instances of an active-active setup must agree on all of it for Alertmanager to see
/// one alert: `connwatch check --peer` compares rules by these.
struct RuleIdentity: Equatable {
    /// The rule's name: the `alertname` label.
    var name: String
    /// `offline`, `inactive`, `disconnects`, `failed_connects`, `flapping` or `fleet_offline`.
    var kind: String
    /// The `severity` label.
    var severity: String
    /// The rule's labels, `defaults.external_labels` included (the rule's own win).
    var labels: LabelSet
    /// What one alert is about: `each client (every client label)` or `each <label> value`.
    var subject: String
    /// Which clients it watches, in one canonical text (conditions and patterns sorted).
    var match: String
    /// When it fires and resolves, one text per setting (`for 10m`, `window 15m`, `count 3`, …).
    var settings: [String]

    init(_ rule: OfflineRule) {
        name = rule.name
        severity = rule.severity
        labels = rule.labels
        subject = Self.eachClient
        match = Self.canonical(rule.match)
        var settings = ["for \(DurationText.format(milliseconds: rule.forDuration))"]
        switch rule.condition {
        case .disconnected:
            kind = "offline"
            settings.append("keep_firing_for \(DurationText.format(milliseconds: rule.keepFiringFor))")
            settings.append("unseen_is_offline \(rule.unseenIsOffline)")
        case .noConnect, .noActivity:
            kind = "inactive"
            settings.append("basis \(rule.condition.rawValue)")
        }
        self.settings = settings
    }

    init(_ rule: CountingRule) {
        name = rule.name
        kind = rule.kind.rawValue
        severity = rule.severity
        labels = rule.labels
        switch rule.grouping {
        case .client: subject = Self.eachClient
        case .address: subject = "each client_address value"
        case .label(let label): subject = "each \(label.rawValue) value"
        }
        match = Self.canonical(rule.match)
        var settings = [
            "\(rule.kind == .flapping ? "transitions" : "count") \(rule.count)",
            "resolve_below \(rule.resolveBelow)",
            "window \(DurationText.format(milliseconds: rule.window))",
        ]
        if !rule.initiators.isEmpty { settings.append("initiator \(rule.initiators.map(\.label).sorted())") }
        if !rule.causes.isEmpty { settings.append("cause \(rule.causes.map(\.label).sorted())") }
        if !rule.reasonCodes.isEmpty { settings.append("reason_codes \(rule.reasonCodes.sorted())") }
        self.settings = settings
    }

    init(_ rule: FleetRule) {
        name = rule.name
        kind = "fleet_offline"
        severity = rule.severity
        labels = rule.labels
        subject = rule.groupBy.map { "each \($0.rawValue) value" } ?? "the whole fleet"
        match = Self.canonical(rule.match)
        var settings = ["for \(DurationText.format(milliseconds: rule.forDuration))"]
        if let ratio = rule.ratio { settings.append("ratio \(ratio)") }
        if let count = rule.count { settings.append("count \(count)") }
        settings.append("min_clients \(rule.minClients)")
        settings.append("inhibit \(rule.inhibit)")
        self.settings = settings
    }

    /// Every rule of `config`, in the order of its kinds.
    static func all(in config: ConnWatchConfig) -> [RuleIdentity] {
        config.offlineRules.map(RuleIdentity.init) + config.countingRules.map(RuleIdentity.init)
            + config.fleetRules.map(RuleIdentity.init)
    }

    static let eachClient = "each client (every client label)"

    /// `client_type in [device, gateway]; type_id=~"sensor.*"`: conditions by label, patterns and
    /// matchers sorted, so that two matchers written in another order compare equal.
    static func canonical(_ matcher: ClientMatcher) -> String {
        let conditions = matcher.conditions.map { condition in
            "\(condition.label.rawValue) in [\(condition.globs.map(\.pattern).sorted().joined(separator: ", "))]"
        }
        let parts = conditions.sorted() + matcher.labelMatchers.map(\.description).sorted()
        return parts.isEmpty ? "every client" : parts.joined(separator: "; ")
    }
}
