import Yams

extension ConfigBuilder {
    // MARK: shared subscriptions

    /// The rules that judge each client by its own events (offline, inactive, and counting rules
    /// counted per client, flapping among them): they need every event of a client on one instance.
    static func perClientRuleNames(_ config: ConnWatchConfig) -> [String] {
        config.offlineRules.map(\.name) + config.countingRules.filter { $0.grouping == .client }.map(\.name)
    }

    /// Warns, at its `topic:`, about every shared subscription (`$share/GROUP/filter`) that feeds
    /// per-client rules: the broker decides which instance gets which message, and only one that
    /// dispatches by topic or client keeps a client's connect and disconnect together.
    func warnAboutSharedSubscriptions(_ mqtt: Node?, _ config: ConnWatchConfig) {
        let rules = Self.perClientRuleNames(config)
        guard let mqtt, !rules.isEmpty else { return }
        let named = rules.prefix(3).map { "'\($0)'" }.joined(separator: ", ") + (rules.count > 3 ? ", …" : "")
        let brokerNodes = mqtt.mapping != nil ? [mqtt] : Array(mqtt.sequence ?? [])
        for brokerNode in brokerNodes {
            for item in brokerNode.mapping?[Node("subscriptions")]?.sequence ?? [] {
                guard let topicNode = item.mapping?[Node("topic")], let topic = topicNode.scalar?.string,
                    case .success(let shared)? = SharedSubscription.parse(topic)
                else { continue }
                var message =
                    "shared subscription '\(topic)' feeds per-client rules (\(named)): the broker must deliver all "
                    + "of a client's events to the same instance of group '\(shared.group)', which EMQX does with "
                    + "shared_subscription_strategy hash_topic (or hash_clientid when each client publishes its own "
                    + "status); Mosquitto hands the group's messages out round-robin, so a client's connect and "
                    + "disconnect reach different instances and each sees half of its story: with Mosquitto, give "
                    + "each instance its own disjoint topic filter instead (e.g. one device type each)"
                if item.mapping?[Node("format")]?.scalar?.string == FeedFormat.emqx.rawValue {
                    message +=
                        "; format emqx gets a client's connected and disconnected events on two topics, so even "
                        + "hash_topic splits them"
                }
                reader.warn(topicNode, message)
            }
        }
    }
}
