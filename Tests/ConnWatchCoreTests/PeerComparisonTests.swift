import Testing

@testable import ConnWatchCore

/// Two instances of an active-active setup: a.yaml and b.yaml, b.yaml being a.yaml with some text
/// replaced. Line numbers below are those of this text.
private let base = """
    mqtt:
      name: plant
      url: mqtt://broker.example:1883
      subscriptions:
        - topic: iot-2/type/+/id/+/mon
          format: watson-iot
    defaults:
      receivers: [am]
      external_labels: {site: plant-7}
    receivers:
      - name: am
        type: alertmanager
        urls: [http://am-1:9093, http://am-2:9093]
    rules:
      - name: sensor_offline
        kind: offline
        for: 10m
        severity: warning
        match: {client_type: [device, gateway]}
        labels: {team: ops}
      - name: flapping
        kind: flapping
        transitions: 6
        window: 10m
      - name: disconnect_storm
        kind: disconnects
        count: 20
        window: 5m
    """

private func instance(_ text: String, _ file: String) throws -> PeerComparison.Instance {
    PeerComparison.Instance(file: file, text: text, config: try ConfigLoader.load(text: text, file: file))
}

/// The warnings comparing a.yaml (`base` with `mine` replacements) with b.yaml (with `peer` ones).
private func differences(mine: [(String, String)] = [], peer: [(String, String)]) throws -> [String] {
    var first = base
    for (old, new) in mine { first = first.replacingOccurrences(of: old, with: new) }
    var second = base
    for (old, new) in peer {
        #expect(second.contains(old), "b.yaml has no '\(old)'")
        second = second.replacingOccurrences(of: old, with: new)
    }
    return PeerComparison.differences(try instance(first, "a.yaml"), try instance(second, "b.yaml"))
        .map(\.asWarning)
}

@Suite struct PeerComparisonTests {
    @Test func sameFileHasNoDifference() throws {
        #expect(try differences(peer: []) == [])
    }

    @Test func reorderedPatternsAndKeysAreTheSame() throws {
        let found = try differences(peer: [
            ("[device, gateway]", "[gateway, device]"),
            ("    for: 10m\n    severity: warning", "    severity: warning\n    for: 10m"),
        ])
        #expect(found == [])
    }

    @Test func externalLabelIsOneWarningNotOnePerRule() throws {
        let found = try differences(peer: [("site: plant-7", "site: plant-8")])
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.hasPrefix("a.yaml:9:27: warning: external label site=\"plant-7\" here, ") == true)
        #expect(found.first?.contains("site=\"plant-8\" in b.yaml:9:27") == true)
        #expect(found.first?.contains("sends every notification twice") == true)
    }

    @Test func externalLabelOnOneSideOnly() throws {
        let found = try differences(peer: [("  external_labels: {site: plant-7}\n", "")])
        #expect(found.count == 1, "\(found)")
        #expect(
            found.first?.hasPrefix("a.yaml:9:27: warning: external label site=\"plant-7\" here, no site in b.yaml:7:1")
                == true
        )
    }

    @Test func severityAndLabelsOfARule() throws {
        let found = try differences(peer: [("severity: warning", "severity: critical"), ("team: ops", "team: field")])
        #expect(found.count == 2, "\(found)")
        #expect(
            found.contains {
                $0.hasPrefix(
                    "a.yaml:18:15: warning: rule 'sensor_offline' has severity warning here but critical in b.yaml:18:15: Alertmanager gets two alerts"
                )
            }
        )
        #expect(
            found.contains {
                $0.hasPrefix(
                    "a.yaml:20:20: warning: rule 'sensor_offline' has team=\"ops\" here but team=\"field\" in b.yaml:20:20"
                )
            }
        )
    }

    @Test func ruleOwnLabelOverExternalOneIsTheRules() throws {
        let found = try differences(peer: [("team: ops", "team: ops, site: plant-7b")])
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.contains("has site=\"plant-7\" here but site=\"plant-7b\" in b.yaml:20:31") == true)
    }

    @Test func ruleOnOneSideOnlyIsWarnedInItsFile() throws {
        let found = try differences(peer: [("name: flapping", "name: flapping_sensor")])
        #expect(found.count == 2, "\(found)")
        #expect(
            found.contains {
                $0.hasPrefix(
                    "a.yaml:21:5: warning: rule 'flapping' is not in b.yaml:14:1: for its alerts, only the instance of a.yaml alerts on them, and nobody does while it is down"
                )
            }
        )
        #expect(found.contains { $0.hasPrefix("b.yaml:21:5: warning: rule 'flapping_sensor' is not in a.yaml:14:1") })
    }

    @Test func matchingOtherClients() throws {
        let found = try differences(peer: [("[device, gateway]", "[device]")])
        #expect(
            found == [
                "a.yaml:19:12: warning: rule 'sensor_offline' watches client_type in [device, gateway] here but client_type in [device] in b.yaml:19:12: a client only one of them watches is alerted on by that instance alone, and by nobody while it is down"
            ]
        )
    }

    @Test func otherSubjectAndSettings() throws {
        let found = try differences(peer: [
            ("window: 5m", "window: 5m\n    group_by: type_id"), ("for: 10m", "for: 5m"),
        ])
        #expect(found.count == 2, "\(found)")
        #expect(
            found.contains {
                $0.hasPrefix(
                    "a.yaml:25:5: warning: rule 'disconnect_storm' makes one alert for each client (every client label) here but for each type_id value in b.yaml:25:5"
                )
            }
        )
        #expect(
            found.contains {
                $0.hasPrefix(
                    "a.yaml:15:5: warning: rule 'sensor_offline' fires on for 10m here but on for 5m in b.yaml:15:5: the instances fire and resolve its alerts at different times"
                )
            }
        )
    }

    @Test func otherKind() throws {
        let found = try differences(peer: [("kind: flapping\n    transitions: 6", "kind: disconnects\n    count: 6")])
        #expect(
            found == [
                "a.yaml:21:5: warning: rule 'flapping' is kind flapping here but disconnects in b.yaml:21:5: the instances raise alerts of one name for different things, each alone"
            ]
        )
    }

    @Test func oneBrokerUnderTwoNames() throws {
        let found = try differences(peer: [("name: plant", "name: plant-b")])
        #expect(
            found == [
                "a.yaml:2:9: warning: broker broker.example:1883 is named 'plant' here but 'plant-b' in b.yaml:2:9: its clients' alerts carry broker=\"plant\" from one instance and broker=\"plant-b\" from the other, so Alertmanager gets two alerts (two fingerprints) for the same thing, one from each instance, and sends every notification twice; give it one name"
            ]
        )
    }

    @Test func twoBrokersOneEach() throws {
        let found = try differences(peer: [
            ("name: plant\n  url: mqtt://broker.example:1883", "name: lab\n  url: mqtt://lab.example:1883")
        ])
        #expect(found.count == 2, "\(found)")
        #expect(
            found.contains {
                $0.hasPrefix(
                    "a.yaml:2:9: warning: broker 'plant' is not in b.yaml:1:1: its clients are watched from here alone"
                )
            }
        )
        #expect(found.contains { $0.hasPrefix("b.yaml:2:9: warning: broker 'lab' is not in a.yaml:1:1") })
    }

    @Test func subscriptionsOnOneSideOrReadDifferently() throws {
        let other = try differences(peer: [("iot-2/type/+/id/+/mon", "iot-2/type/pump/id/+/mon")])
        #expect(other.count == 2, "\(other)")
        #expect(
            other.contains {
                $0.hasPrefix(
                    "a.yaml:5:14: warning: broker 'plant' subscribes to 'iot-2/type/+/id/+/mon' here but not in b.yaml:2:9"
                )
            }
        )
        #expect(
            other.contains {
                $0.hasPrefix(
                    "b.yaml:5:14: warning: broker 'plant' subscribes to 'iot-2/type/pump/id/+/mon' here but not in a.yaml:2:9"
                )
            }
        )
        let format = try differences(peer: [("format: watson-iot", "format: lwt\n      client_id_level: 5")])
        #expect(format.count == 1, "\(format)")
        #expect(
            try differences(peer: [("format: watson-iot", "format: watson-iot\n      qos: 0")]) == [],
            "QoS is no label"
        )
        #expect(
            format.first?.hasPrefix(
                "a.yaml:5:14: warning: subscription 'iot-2/type/+/id/+/mon' of broker 'plant' is read differently here (format watson-iot) than in b.yaml:5:14 (format lwt)"
            ) == true
        )
    }

    @Test func oneClientIDOnBothInstances() throws {
        let same = [("  url: mqtt", "  client_id: connwatch-1\n  url: mqtt")]
        let found = try differences(mine: same, peer: same)
        #expect(found.count == 1, "\(found)")
        #expect(
            found.first?.hasPrefix(
                "a.yaml:3:14: warning: broker 'plant' has client_id 'connwatch-1' here and in b.yaml:3:14: a broker keeps one connection per client id"
            ) == true
        )
        let own = try differences(mine: same, peer: [("  url: mqtt", "  client_id: connwatch-2\n  url: mqtt")])
        #expect(own == [])
    }

    @Test func alertmanagerPeerOnlyOneInstancePostsTo() throws {
        let found = try differences(peer: [
            ("urls: [http://am-1:9093, http://am-2:9093]", "urls: [http://am-1:9093, http://am-3:9093]")
        ])
        #expect(found.count == 2, "\(found)")
        #expect(
            found.contains {
                $0.hasPrefix(
                    "a.yaml:13:30: warning: Alertmanager peer http://am-2:9093 is not among the alertmanager urls of b.yaml:13:11: it gets alerts from the instance of a.yaml only"
                )
            }
        )
        #expect(
            found.contains {
                $0.hasPrefix(
                    "b.yaml:13:30: warning: Alertmanager peer http://am-3:9093 is not among the alertmanager urls of a.yaml:13:11"
                )
            }
        )
    }

    @Test func noAlertmanagerOnOneInstance() throws {
        let found = try differences(peer: [
            (
                "    type: alertmanager\n    urls: [http://am-1:9093, http://am-2:9093]",
                "    type: webhook\n    url: http://hook:8080/x"
            )
        ])
        #expect(
            found == [
                "a.yaml:13:11: warning: b.yaml has no alertmanager receiver: its instance notifies its receivers itself, outside the Alertmanager cluster this instance posts to, so its notifications are not deduplicated with this one's and arrive twice"
            ]
        )
    }

    // MARK: one file

    private func warnings(_ text: String) throws -> [String] {
        try ConfigLoader.load(text: text, file: "a.yaml").warnings.map(\.asWarning)
    }

    private let slack = "  - name: ops\n    type: slack\n    url: https://hooks.slack.example/x\nrules:"

    @Test func clusterFileWarnsAboutReceiversEveryInstanceNotifies() throws {
        let text = base.replacingOccurrences(of: "rules:", with: slack)
            .replacingOccurrences(of: "receivers: [am]", with: "receivers: [am, ops]")
            .replacingOccurrences(of: "window: 10m", with: "window: 10m\n    receivers: [ops]")
        let found = try warnings(text)
        #expect(found.count == 2, "\(found)")
        #expect(
            found.contains {
                $0.hasPrefix(
                    "a.yaml:8:14: warning: defaults.receivers names 'ops' (slack), which notifies the alerts of rules without receivers and the built-in feed_down alert: receiver 'am' posts to an Alertmanager cluster"
                ) && $0.contains("each notification arrives once per instance")
            }
        )
        #expect(
            found.contains {
                $0.hasPrefix("a.yaml:28:16: warning: rule 'flapping' names 'ops' (slack): receiver 'am' posts")
            }
        )
    }

    @Test func noClusterNoWarning() throws {
        let oneURL = base.replacingOccurrences(of: "rules:", with: slack)
            .replacingOccurrences(of: "receivers: [am]", with: "receivers: [am, ops]")
            .replacingOccurrences(of: "urls: [http://am-1:9093, http://am-2:9093]", with: "url: http://am-1:9093")
        #expect(try warnings(oneURL) == [])
        #expect(try warnings(base) == [], "a cluster receiver alone")
    }
}
