/// An inhibition rule: while an alert matching `sourceMatchers` fires, alerts matching
/// `targetMatchers` that have the same values for every `equal` label are not notified.
public struct InhibitRule: Sendable, Equatable {
    /// For logs; optional.
    public var name: String
    /// What the inhibiting (source) alert must match.
    public var sourceMatchers: [LabelMatcher]
    /// What the inhibited (target) alert must match.
    public var targetMatchers: [LabelMatcher]
    /// Labels source and target must agree on (a label missing on both counts as equal).
    public var equal: [String]

    public init(name: String = "", sourceMatchers: [LabelMatcher], targetMatchers: [LabelMatcher], equal: [String]) {
        self.name = name
        self.sourceMatchers = sourceMatchers
        self.targetMatchers = targetMatchers
        self.equal = equal
    }

    func isSource(_ labels: LabelSet) -> Bool { sourceMatchers.allSatisfy { $0.matches(labels) } }
    func isTarget(_ labels: LabelSet) -> Bool { targetMatchers.allSatisfy { $0.matches(labels) } }
    func equalValues(_ labels: LabelSet) -> [String] { equal.map { labels[$0] ?? "" } }
}

/// The inhibition stage: decides which alerts firing alerts suppress.
///
/// As in Alertmanager, an alert never inhibits itself, and an alert matching both sides of a rule
/// can only be inhibited by a source that does not also match the target side.
public struct Inhibitor: Sendable, Equatable {
    /// The rules, in configuration order.
    public var rules: [InhibitRule]

    public init(rules: [InhibitRule] = []) {
        self.rules = rules
    }

    /// The firing sources of every rule, indexed by their `equal` label values: build it once per
    /// flush and ask it about many alerts.
    public struct Index: Sendable {
        fileprivate var rules: [InhibitRule]
        /// Per rule: fingerprints of sources that do not match the target side, by their values.
        fileprivate var sourceOnly: [[[String]: [String]]]
        /// Per rule: fingerprints of sources that also match the target side, by their values.
        fileprivate var sourceAndTarget: [[[String]: [String]]]

        /// Whether a firing source suppresses `alert`.
        public func isInhibited(_ alert: Alert) -> Bool {
            for (position, rule) in rules.enumerated() where rule.isTarget(alert.labels) {
                let values = rule.equalValues(alert.labels)
                if sourceOnly[position][values] != nil { return true }
                // A source matching both sides may inhibit an alert that is not itself a source.
                if !rule.isSource(alert.labels) && sourceAndTarget[position][values] != nil { return true }
            }
            return false
        }

        /// The fingerprints of the firing sources that suppress `alert` (Alertmanager's
        /// `status.inhibitedBy`), in rule order, each once; empty when none does.
        public func inhibitors(of alert: Alert) -> [String] {
            var found: [String] = []
            for (position, rule) in rules.enumerated() where rule.isTarget(alert.labels) {
                let values = rule.equalValues(alert.labels)
                found += sourceOnly[position][values] ?? []
                if !rule.isSource(alert.labels) { found += sourceAndTarget[position][values] ?? [] }
            }
            var seen = Set<String>()
            return found.filter { $0 != alert.fingerprint && seen.insert($0).inserted }
        }
    }

    /// Indexes the firing alerts among `alerts` as potential sources.
    public func index(firing alerts: some Sequence<Alert>) -> Index {
        var index = Index(
            rules: rules,
            sourceOnly: Array(repeating: [:], count: rules.count),
            sourceAndTarget: Array(repeating: [:], count: rules.count)
        )
        for alert in alerts where alert.state == .firing {
            for (position, rule) in rules.enumerated() where rule.isSource(alert.labels) {
                if rule.isTarget(alert.labels) {
                    index.sourceAndTarget[position][rule.equalValues(alert.labels), default: []].append(
                        alert.fingerprint
                    )
                } else {
                    index.sourceOnly[position][rule.equalValues(alert.labels), default: []].append(alert.fingerprint)
                }
            }
        }
        return index
    }

    /// Whether any firing alert in `firing` suppresses `alert`.
    public func isInhibited(_ alert: Alert, firing: [Alert]) -> Bool {
        guard !rules.isEmpty else { return false }
        return index(firing: firing).isInhibited(alert)
    }
}
