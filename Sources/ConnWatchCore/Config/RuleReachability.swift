/// Finds rules that can never match a client of this configuration: a `match:` condition no value
/// the subscribed formats give can meet (`client_type: device` with only Tasmota feeds, whose
/// clients are `unknown`), an identity label no subscribed format fills, or a broker that is not
/// configured.
struct RuleReachability {
    /// The values a label can take, or `nil` when any value is possible.
    private let candidates: [ClientLabel: [String]]
    private let formats: [FeedFormat]

    init(brokers: [BrokerConfig]) {
        var formats: [FeedFormat] = []
        for broker in brokers {
            for subscription in broker.subscriptions where !formats.contains(subscription.format) {
                formats.append(subscription.format)
            }
        }
        self.formats = formats
        var candidates: [ClientLabel: [String]] = [:]
        var types: [String] = []
        for format in formats {
            for type in format.clientTypes where !types.contains(type.label) { types.append(type.label) }
        }
        candidates[.clientType] = types
        for label in [ClientLabel.orgID, .typeID, .deviceID, .appID]
        where !formats.contains(where: { $0.identityLabels.contains(label) }) {
            candidates[label] = [""]
        }
        candidates[.broker] = brokers.map(\.name)
        self.candidates = candidates
    }

    /// Why `matcher` can never match, or `nil` if some client could match it.
    func whyNever(_ matcher: ClientMatcher) -> String? {
        guard !formats.isEmpty else { return nil }
        for condition in matcher.conditions {
            guard let values = candidates[condition.label],
                !values.contains(where: { value in condition.globs.contains { $0.matches(value) } })
            else { continue }
            let wanted = condition.globs.map { "'\($0.pattern)'" }.joined(separator: ", ")
            return "\(condition.label.rawValue) \(wanted) \(explain(condition.label, values))"
        }
        for labelMatcher in matcher.labelMatchers {
            guard let label = ClientLabel(rawValue: labelMatcher.name), let values = candidates[label],
                !values.contains(where: { labelMatcher.matches(LabelSet([label.rawValue: $0])) })
            else { continue }
            return "'\(labelMatcher)' \(explain(label, values))"
        }
        return nil
    }

    private func explain(_ label: ClientLabel, _ values: [String]) -> String {
        let names = formats.map(\.rawValue).joined(separator: ", ")
        switch label {
        case .clientType:
            let given = formats.map { format in
                "\(format.rawValue): \(format.clientTypes.map(\.label).joined(separator: ", "))"
            }
            return "is never met: the subscribed formats give client_type \(given.joined(separator: "; "))"
        case .broker:
            return "is never met: the brokers are \(values.map { "'\($0)'" }.joined(separator: ", "))"
        default:
            return "is never met: \(label.rawValue) is empty for every client of the subscribed formats (\(names))"
        }
    }
}
