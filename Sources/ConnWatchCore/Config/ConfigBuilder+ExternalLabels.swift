import Yams

extension ConfigBuilder {
    // MARK: external labels

    /// Labels connwatch itself sets on every alert (`alertname`, `severity` and each client label):
    /// an external label of one of these names would never be seen.
    static var reservedLabelNames: [String] { ["alertname", "severity"] + ClientLabel.allCases.map(\.rawValue) }

    /// `defaults.external_labels`: site-wide labels every rule's alerts carry, as Prometheus's
    /// `global.external_labels`. They take part in the fingerprint, so instances that watch the
    /// same feed must set the same ones for Alertmanager to see one alert.
    func externalLabels(_ node: Node) -> LabelSet {
        var labels = LabelSet()
        guard let pairs = reader.mapping(node, "external_labels", allowed: headerNames(node)) else { return labels }
        for pair in pairs {
            guard let text = reader.string(pair.value, "external label \(pair.key)") else { continue }
            if !LabelName.isValid(pair.key) {
                reader.report(pair.keyNode, "label name '\(pair.key)' must match [a-zA-Z_][a-zA-Z0-9_]*")
                continue
            }
            if Self.reservedLabelNames.contains(pair.key) {
                reader.report(pair.keyNode, "external label '\(pair.key)' is set by connwatch on every alert")
                continue
            }
            labels[pair.key] = text
        }
        return labels
    }

    /// Adds the external labels to every rule's labels; a rule's own label of the same name wins.
    static func applyExternalLabels(to config: inout ConnWatchConfig) {
        let external = config.defaults.externalLabels
        guard !external.isEmpty else { return }
        for index in config.offlineRules.indices {
            config.offlineRules[index].labels = config.offlineRules[index].labels.merging(defaults: external)
        }
        for index in config.countingRules.indices {
            config.countingRules[index].labels = config.countingRules[index].labels.merging(defaults: external)
        }
        for index in config.fleetRules.indices {
            config.fleetRules[index].labels = config.fleetRules[index].labels.merging(defaults: external)
        }
    }
}
