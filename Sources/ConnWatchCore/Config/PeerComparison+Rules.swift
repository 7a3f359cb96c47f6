extension PeerComparison {
    // MARK: rules

    /// Rules are matched by name (the `alertname` label): a rule only one instance has alerts from
    /// it alone; a rule both have must give its alerts the same labels and watch the same clients.
    mutating func compareRules() {
        let identities = [mine, peer].map { RuleIdentity.all(in: $0.config) }
        for (index, (this, other, _)) in bothWays.enumerated() {
            for rule in identities[index] where !identities[1 - index].contains(where: { $0.name == rule.name }) {
                warn(
                    this,
                    this.outline.rules[rule.name]?.position,
                    "rule '\(rule.name)' is not in \(other.outline.at(other.outline.rulesSection)): for its alerts, "
                        + alone(this)
                )
            }
        }
        for rule in identities[0] {
            guard let counterpart = identities[1].first(where: { $0.name == rule.name }) else { continue }
            compare(rule, counterpart)
        }
    }

    private mutating func compare(_ rule: RuleIdentity, _ other: RuleIdentity) {
        let here = mine.outline.rules[rule.name]
        let there = peer.outline.rules[rule.name]
        let name = "rule '\(rule.name)'"
        if rule.severity != other.severity {
            warn(
                mine,
                here?.severity ?? here?.position,
                "\(name) has severity \(rule.severity) here but \(other.severity) in "
                    + "\(peer.outline.at(there?.severity ?? there?.position)): \(Self.twice)"
            )
        }
        compareLabels(rule, other)
        if rule.subject != other.subject {
            warn(
                mine,
                here?.position,
                "\(name) makes one alert for \(rule.subject) here but for \(other.subject) in "
                    + "\(peer.outline.at(there?.position)): its alerts carry other labels, so \(Self.twice)"
            )
        }
        if rule.match != other.match {
            warn(
                mine,
                here?.match ?? here?.position,
                "\(name) watches \(rule.match) here but \(other.match) in "
                    + "\(peer.outline.at(there?.match ?? there?.position)): a client only one of them watches is alerted "
                    + "on by that instance alone, and by nobody while it is down"
            )
        }
        if rule.kind != other.kind {
            warn(
                mine,
                here?.position,
                "\(name) is kind \(rule.kind) here but \(other.kind) in \(peer.outline.at(there?.position)): the "
                    + "instances raise alerts of one name for different things, each alone"
            )
        } else if rule.settings != other.settings {
            let own = rule.settings.filter { !other.settings.contains($0) }.joined(separator: ", ")
            let others = other.settings.filter { !rule.settings.contains($0) }.joined(separator: ", ")
            warn(
                mine,
                here?.position,
                "\(name) fires on \(own.isEmpty ? "(none)" : own) here but on \(others.isEmpty ? "(none)" : others) in "
                    + "\(peer.outline.at(there?.position)): the instances fire and resolve its alerts at different "
                    + "times, so for a while one instance alone alerts"
            )
        }
    }

    /// The rule's labels (its own and the external ones). A label that differs only because the
    /// external labels do was reported with them.
    private mutating func compareLabels(_ rule: RuleIdentity, _ other: RuleIdentity) {
        let external = [mine, peer].map(\.config.defaults.externalLabels)
        let names = (rule.labels.map(\.name) + other.labels.map(\.name).filter { rule.labels[$0] == nil })
        for label in names where rule.labels[label] != other.labels[label] {
            let fromExternal = rule.labels[label] == external[0][label] && other.labels[label] == external[1][label]
            if fromExternal { continue }
            let here = mine.outline.rules[rule.name]
            let there = peer.outline.rules[rule.name]
            func text(_ value: String?) -> String { value.map { "\(label)=\(GoQuote.quoted($0))" } ?? "no \(label)" }
            warn(
                mine,
                here?.label[label] ?? here?.labels ?? here?.position,
                "rule '\(rule.name)' has \(text(rule.labels[label])) here but \(text(other.labels[label])) in "
                    + "\(peer.outline.at(there?.label[label] ?? there?.labels ?? there?.position)): \(Self.twice)"
            )
        }
    }
}
