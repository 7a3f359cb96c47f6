import Yams

/// Where a configuration file writes what `connwatch check --peer` compares: its rules, external
/// labels, brokers and Alertmanager peers, each by line and column. The validated configuration
/// keeps no positions, so the text is read again for them; a text YAML cannot read has none (a
/// difference is then named by the file alone).
struct ConfigOutline {
    /// A 1-based line and column.
    struct Position: Equatable {
        var line: Int
        var column: Int
    }

    /// One rule: the rule (its list item), its `severity`, `labels` and `match`.
    struct Rule {
        var position: Position?
        var severity: Position?
        var labels: Position?
        /// Each of its own labels' value.
        var label: [String: Position] = [:]
        var match: Position?
    }

    /// One broker: its entry (the `name` value when written), `url`, `client_id` and each
    /// subscription's `topic`.
    struct Broker {
        var position: Position?
        var url: Position?
        var clientID: Position?
        var topics: [String: Position] = [:]
    }

    /// The file's name, as problems name it.
    var file: String
    var rulesSection: Position?
    var rules: [String: Rule] = [:]
    /// `defaults.external_labels`, else `defaults`.
    var externalLabelsSection: Position?
    /// Each external label's value.
    var externalLabels: [String: Position] = [:]
    var mqttSection: Position?
    /// Brokers by name (`default`, `broker2`, … when unnamed, as the configuration names them).
    var brokers: [String: Broker] = [:]
    var receiversSection: Position?
    /// Each `url` and `urls` entry of an `alertmanager` receiver, by the address as written.
    var alertmanagerURLs: [String: Position] = [:]
    /// The first `alertmanager` receiver's `urls` (or `url`, or the receiver).
    var firstAlertmanager: Position?

    init(text: String, file: String) {
        self.file = file
        guard let root = try? Yams.compose(yaml: text, .default, .default, .utf8), let top = root.mapping else {
            return
        }
        if let node = top[Node("rules")] {
            rulesSection = Self.position(top.keyed("rules"))
            for item in node.sequence ?? [] { addRule(item) }
        }
        if let defaults = top[Node("defaults")] {
            let labels = defaults.mapping?[Node("external_labels")]
            externalLabelsSection = Self.position(labels ?? top.keyed("defaults"))
            for (key, value) in labels?.mapping ?? [:] {
                if let name = key.scalar?.string { externalLabels[name] = Self.position(value) }
            }
        }
        if let mqtt = top[Node("mqtt")] {
            mqttSection = Self.position(top.keyed("mqtt"))
            let items = mqtt.mapping != nil ? [mqtt] : Array(mqtt.sequence ?? [])
            for (index, item) in items.enumerated() { addBroker(item, index: index) }
        }
        if let receivers = top[Node("receivers")] {
            receiversSection = Self.position(top.keyed("receivers"))
            for item in receivers.sequence ?? [] { addReceiver(item) }
        }
    }

    private mutating func addRule(_ item: Node) {
        guard let mapping = item.mapping, let name = mapping[Node("name")]?.scalar?.string else { return }
        var rule = Rule(position: Self.position(item))
        rule.severity = Self.position(mapping[Node("severity")])
        rule.labels = Self.position(mapping.keyed("labels"))
        for (key, value) in mapping[Node("labels")]?.mapping ?? [:] {
            if let label = key.scalar?.string { rule.label[label] = Self.position(value) }
        }
        rule.match = Self.position(mapping[Node("match")])
        rules[name] = rules[name] ?? rule
    }

    private mutating func addBroker(_ item: Node, index: Int) {
        guard let mapping = item.mapping else { return }
        let nameNode = mapping[Node("name")]
        let name = nameNode?.scalar?.string ?? (index == 0 ? "default" : "broker\(index + 1)")
        var broker = Broker(position: Self.position(nameNode ?? item))
        broker.url = Self.position(mapping[Node("url")])
        broker.clientID = Self.position(mapping[Node("client_id")])
        for subscription in mapping[Node("subscriptions")]?.sequence ?? [] {
            guard let topic = subscription.mapping?[Node("topic")], let text = topic.scalar?.string else { continue }
            broker.topics[text] = Self.position(topic)
        }
        brokers[name] = brokers[name] ?? broker
    }

    private mutating func addReceiver(_ item: Node) {
        guard let mapping = item.mapping, mapping[Node("type")]?.scalar?.string == ReceiverType.alertmanager.rawValue
        else { return }
        let urls = mapping[Node("urls")]
        let url = mapping[Node("url")]
        if firstAlertmanager == nil { firstAlertmanager = Self.position(urls ?? url ?? item) }
        for node in Array(urls?.sequence ?? []) + [url].compactMap({ $0 }) {
            if let text = node.scalar?.string, alertmanagerURLs[text] == nil {
                alertmanagerURLs[text] = Self.position(node)
            }
        }
    }

    private static func position(_ node: Node?) -> Position? {
        guard let mark = node?.mark else { return nil }
        return Position(line: mark.line, column: mark.column)
    }

    /// `file:line:column`, or `file` for no position.
    func at(_ position: Position?) -> String {
        guard let position else { return file }
        return "\(file):\(position.line):\(position.column)"
    }

    /// A warning at `position` of this file (the whole file without one).
    func warning(_ position: Position?, _ message: String) -> ConfigProblem {
        ConfigProblem(file: file, line: position?.line ?? 0, column: position?.column ?? 0, message: message)
    }
}

extension Node.Mapping {
    /// The key node of `key`, whose position is where the section starts.
    fileprivate func keyed(_ key: String) -> Node? {
        keys.first { $0.scalar?.string == key }
    }
}
