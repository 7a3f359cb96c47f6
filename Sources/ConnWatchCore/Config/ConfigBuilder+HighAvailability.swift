import Yams

extension ConfigBuilder {
    // MARK: high availability

    /// An `alertmanager` receiver listing several peers in `urls` sends to an Alertmanager cluster:
    /// the file is meant for an active-active setup, where every instance sends the same alerts and
    /// the cluster notifies once. A receiver of any other type is notified by every instance itself,
    /// once per instance: warns at `defaults.receivers` and at each rule's `receivers` that name one.
    ///
    /// Nothing else in a file makes instances differ by design: label, external label and broker
    /// name values are literal text (no environment variable or host name is expanded), and the
    /// state and the API's silences, which do differ, are not in the file.
    func warnAboutReceiversBesideCluster(rules: Node?, defaults: Node?, _ config: ConnWatchConfig) {
        guard let cluster = config.receivers.first(where: { $0.type == .alertmanager && $0.peerURLs.count > 1 })
        else { return }
        let direct = config.receivers.filter { $0.type != .alertmanager }
        guard !direct.isEmpty else { return }
        func named(_ names: [String]) -> String? {
            let found = direct.filter { names.contains($0.name) }
            guard !found.isEmpty else { return nil }
            return found.map { "'\($0.name)' (\($0.type.rawValue))" }.joined(separator: ", ")
        }
        let why =
            "receiver '\(cluster.name)' posts to an Alertmanager cluster, so this file is for an active-active "
            + "setup, but every instance notifies this receiver itself: each notification arrives once per "
            + "instance; route it through Alertmanager instead (connwatch export alertmanager-config)"
        if let node = defaults?.mapping?[Node("receivers")], let names = named(config.defaults.receivers) {
            reader.warn(
                node,
                "defaults.receivers names \(names), which notifies the alerts of rules without receivers and the "
                    + "built-in feed_down alert: \(why)"
            )
        }
        for item in rules?.sequence ?? [] {
            guard let mapping = item.mapping, let node = mapping[Node("receivers")],
                let list = node.sequence.map({ $0.compactMap(\.scalar?.string) }) ?? node.scalar.map({ [$0.string] }),
                let names = named(list)
            else { continue }
            let rule = mapping[Node("name")]?.scalar?.string ?? "?"
            reader.warn(node, "rule '\(rule)' names \(names): \(why)")
        }
    }
}
