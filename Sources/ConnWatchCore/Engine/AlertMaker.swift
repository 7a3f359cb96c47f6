/// The one place an alert's labels, annotations and fingerprint are made, for every rule family
/// (offline and inactive, counting, fleet, feed health): firing, notifying again, resolving,
/// reloading and restoring all build an alert here, so the fingerprint a restart recomputes is
/// the one that fired.
enum AlertMaker {
    /// A rule's labels with `alertname` and `severity`, then either every non-empty label of
    /// `client` (an alert about one client) or the `group` label (an alert about a group).
    static func labels(
        _ ruleLabels: LabelSet,
        rule: String,
        severity: String,
        client: ClientState? = nil,
        group: (name: String, value: String)? = nil
    ) -> LabelSet {
        var labels = ruleLabels
        labels["alertname"] = rule
        labels["severity"] = severity
        if let client {
            for label in ClientLabel.allCases {
                let value = label.value(of: client)
                if !value.isEmpty { labels[label.rawValue] = value }
            }
        }
        if let group { labels[group.name] = group.value }
        return labels
    }

    /// The rule's annotation templates rendered with `variables` and the alert's `labels`.
    static func annotations(
        _ templates: [(name: String, template: TextTemplate)],
        _ variables: AlertVariables,
        labels: LabelSet
    ) -> LabelSet {
        var annotations = LabelSet()
        for annotation in templates {
            annotations[annotation.name] = annotation.template.render { variables.value(of: $0, labels: labels) }
        }
        return annotations
    }

    /// A firing alert; its fingerprint follows from `labels`.
    static func firing(
        labels: LabelSet,
        annotations: LabelSet,
        rule: String,
        activeSince: Int64,
        at time: Int64,
        receivers: [String] = []
    ) -> Alert {
        Alert(
            labels: labels,
            annotations: annotations,
            rule: rule,
            state: .firing,
            activeSince: activeSince,
            startsAt: time,
            receivers: receivers
        )
    }
}
