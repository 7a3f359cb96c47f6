import Yams

extension ConfigBuilder {
    /// Warns, at its `match:`, about every rule no client of the subscribed formats can match.
    func warnAboutRulesThatCannotMatch(_ rulesNode: Node, _ config: ConnWatchConfig) {
        let reachability = RuleReachability(brokers: config.brokers)
        var matchers: [String: ClientMatcher] = [:]
        for rule in config.offlineRules { matchers[rule.name] = rule.match }
        for rule in config.countingRules { matchers[rule.name] = rule.match }
        for rule in config.fleetRules { matchers[rule.name] = rule.match }
        for item in rulesNode.sequence ?? [] {
            guard let name = item.mapping?[Node("name")]?.scalar?.string, let matcher = matchers[name],
                let why = reachability.whyNever(matcher)
            else { continue }
            reader.warn(item.mapping?[Node("match")] ?? item, "rule '\(name)' can never match: \(why)")
        }
    }
}
