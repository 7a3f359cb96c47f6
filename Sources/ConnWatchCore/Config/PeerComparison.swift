/// Compares the configurations of two instances of an active-active setup, as `connwatch check
/// CONFIG --peer OTHER` does. Alertmanager deduplicates only alerts with the same labels, so the
/// instances must agree on everything that goes into them (rules with their names, severities,
/// labels and what an alert is about, `defaults.external_labels`, the broker names of the `broker`
/// label, the subscriptions that decode the client labels), on which clients each rule watches, and
/// on the Alertmanager peers they post to. Each difference is one warning, at its position in one
/// file, naming the position in the other and what an operator would see.
public struct PeerComparison {
    /// One instance's configuration: its file's name and text (for the positions) and what it holds.
    public struct Instance {
        var config: ConnWatchConfig
        var outline: ConfigOutline

        public init(file: String, text: String, config: ConnWatchConfig) {
            self.config = config
            self.outline = ConfigOutline(text: text, file: file)
        }

        var file: String { outline.file }
    }

    let mine: Instance
    let peer: Instance
    var warnings: [ConfigProblem] = []

    /// Every difference between `mine` and `peer` that would make their alerts differ or make one
    /// instance alert alone; none when they agree.
    public static func differences(_ mine: Instance, _ peer: Instance) -> [ConfigProblem] {
        var comparison = PeerComparison(mine: mine, peer: peer)
        comparison.compareExternalLabels()
        comparison.compareRules()
        comparison.compareBrokers()
        comparison.compareAlertmanagerPeers()
        return comparison.warnings
    }

    /// What Alertmanager does with alerts whose labels differ between the instances.
    static let twice =
        "Alertmanager gets two alerts (two fingerprints) for the same thing, one from each instance, "
        + "and sends every notification twice"

    /// What happens to what only one instance watches.
    func alone(_ instance: Instance) -> String {
        "only the instance of \(instance.file) alerts on them, and nobody does while it is down"
    }

    mutating func warn(_ instance: Instance, _ position: ConfigOutline.Position?, _ message: String) {
        warnings.append(instance.outline.warning(position, message))
    }

    /// Both sides, this one first, then the other way round: for what is compared one-sidedly.
    var bothWays: [(this: Instance, other: Instance, isMine: Bool)] { [(mine, peer, true), (peer, mine, false)] }

    // MARK: external labels

    /// An external label is on every alert: one that differs makes every alert differ.
    mutating func compareExternalLabels() {
        for (this, other, isMine) in bothWays {
            let others = other.config.defaults.externalLabels
            for label in this.config.defaults.externalLabels where others[label.name] != label.value {
                // A label both set is reported once, in the first configuration.
                if others[label.name] != nil && !isMine { continue }
                let there =
                    others[label.name].map {
                        "\(label.name)=\(GoQuote.quoted($0)) in "
                            + other.outline.at(other.outline.externalLabels[label.name])
                    } ?? "no \(label.name) in \(other.outline.at(other.outline.externalLabelsSection))"
                warn(
                    this,
                    this.outline.externalLabels[label.name] ?? this.outline.externalLabelsSection,
                    "external label \(label.name)=\(GoQuote.quoted(label.value)) here, \(there): every alert "
                        + "carries it, so \(Self.twice)"
                )
            }
        }
    }

    // MARK: brokers

    /// The `broker` label is the broker's name: the same broker under two names makes two alerts of
    /// each of its clients. Subscriptions decide which clients an instance sees and how their labels
    /// are decoded; one client id on two instances makes them take each other's connection over.
    mutating func compareBrokers() {
        var renamed: Set<String> = []
        for (this, other, _) in bothWays {
            for broker in this.config.brokers where !other.config.brokers.contains(where: { $0.name == broker.name }) {
                if renamed.contains(broker.name) { continue }
                let position = this.outline.brokers[broker.name]?.position
                let sameAddress = other.config.brokers.first { candidate in
                    candidate.host == broker.host && candidate.port == broker.port
                        && !this.config.brokers.contains { $0.name == candidate.name }
                }
                if let sameAddress {
                    renamed.insert(sameAddress.name)
                    warn(
                        this,
                        position,
                        "broker \(broker.host):\(broker.port) is named '\(broker.name)' here but '\(sameAddress.name)' "
                            + "in \(other.outline.at(other.outline.brokers[sameAddress.name]?.position)): its clients' "
                            + "alerts carry broker=\"\(broker.name)\" from one instance and "
                            + "broker=\"\(sameAddress.name)\" from the other, so \(Self.twice); give it one name"
                    )
                } else {
                    warn(
                        this,
                        position,
                        "broker '\(broker.name)' is not in \(other.outline.at(other.outline.mqttSection)): its clients "
                            + "are watched from here alone: \(alone(this))"
                    )
                }
            }
        }
        for broker in mine.config.brokers {
            guard let other = peer.config.brokers.first(where: { $0.name == broker.name }) else { continue }
            compareSubscriptions(broker, other)
            if let clientID = broker.clientID, clientID == other.clientID {
                warn(
                    mine,
                    mine.outline.brokers[broker.name]?.clientID,
                    "broker '\(broker.name)' has client_id '\(clientID)' here and in "
                        + "\(peer.outline.at(peer.outline.brokers[broker.name]?.clientID)): a broker keeps one "
                        + "connection per client id, so the two instances take it over from each other in turn (a "
                        + "[lost] line every few seconds) and both miss events; give each instance its own client_id"
                )
            }
        }
    }

    private mutating func compareSubscriptions(_ broker: BrokerConfig, _ otherBroker: BrokerConfig) {
        for (this, other, isMine) in bothWays {
            let (own, others) = isMine ? (broker, otherBroker) : (otherBroker, broker)
            for subscription in own.subscriptions {
                let position = this.outline.brokers[own.name]?.topics[subscription.topic]
                guard let counterpart = others.subscriptions.first(where: { $0.topic == subscription.topic }) else {
                    warn(
                        this,
                        position,
                        "broker '\(own.name)' subscribes to '\(subscription.topic)' here but not in "
                            + "\(other.outline.at(other.outline.brokers[own.name]?.position)): for clients whose "
                            + "events come only on it, \(alone(this))"
                    )
                    continue
                }
                // The QoS changes no label; the format and its Last-Will settings decode them.
                if isMine && (subscription.format != counterpart.format || subscription.lwt != counterpart.lwt) {
                    warn(
                        this,
                        position,
                        "subscription '\(subscription.topic)' of broker '\(own.name)' is read differently here "
                            + "(format \(subscription.format.rawValue)) than in "
                            + "\(other.outline.at(other.outline.brokers[own.name]?.topics[subscription.topic])) "
                            + "(format \(counterpart.format.rawValue)): its clients can get other client_id, "
                            + "client_type or other client labels on each instance, and then \(Self.twice)"
                    )
                }
            }
        }
    }

    // MARK: Alertmanager peers

    /// Every instance must post to every peer of the cluster: a peer that only some instances post
    /// to loses its alerts when those are down.
    mutating func compareAlertmanagerPeers() {
        let urls = [mine, peer].map(Self.alertmanagerURLs)
        guard !urls[0].isEmpty || !urls[1].isEmpty else { return }
        for (index, (this, other, _)) in bothWays.enumerated() {
            let own = urls[index]
            let others = urls[1 - index]
            if others.isEmpty {
                warn(
                    this,
                    this.outline.firstAlertmanager,
                    "\(other.file) has no alertmanager receiver: its instance notifies its receivers itself, outside "
                        + "the Alertmanager cluster this instance posts to, so its notifications are not "
                        + "deduplicated with this one's and arrive twice"
                )
                continue
            }
            for url in own where !others.contains(url) {
                warn(
                    this,
                    this.outline.alertmanagerURLs[url] ?? this.outline.firstAlertmanager,
                    "Alertmanager peer \(url) is not among the alertmanager urls of "
                        + "\(other.outline.at(other.outline.firstAlertmanager)): it gets alerts from the instance "
                        + "of \(this.file) only, and while that one is down its alerts end there, so it can notify "
                        + "them resolved while the other peers still fire"
                )
            }
        }
    }

    /// The addresses of every `alertmanager` receiver's peers (`urls`, or `url`), as written.
    static func alertmanagerURLs(_ instance: Instance) -> [String] {
        var urls: [String] = []
        for receiver in instance.config.receivers where receiver.type == .alertmanager {
            for url in receiver.peerURLs + [receiver.url].compactMap({ $0 }) where !urls.contains(url) {
                urls.append(url)
            }
        }
        return urls
    }
}
