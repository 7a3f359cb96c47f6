import Testing

@testable import ConnWatchCore

/// A configuration with one broker whose subscriptions are `subscriptions` (indented list items)
/// and the rules `rules` (indented list items).
private func config(_ subscriptions: String, rules: String) -> String {
    """
    mqtt:
      url: mqtt://127.0.0.1:1883
      client_id: cw
      subscriptions:
    \(subscriptions)
    defaults:
      receivers: [hook]
    receivers:
      - {name: hook, type: webhook, url: 'http://127.0.0.1:9/x'}
    rules:
    \(rules)
    """
}

private let offlineRule = "  - {name: sensor_offline, kind: offline, for: 1m}"
private let fleetRule = "  - {name: many_offline, kind: fleet_offline, count: 3}"

private func load(_ text: String) throws(ConfigError) -> ConnWatchConfig {
    try ConfigLoader.load(text: text, file: "rules.yaml")
}

private func problems(_ text: String) -> [String] {
    do {
        _ = try load(text)
        return []
    } catch {
        return error.problems.map(\.description)
    }
}

/// MQTT 5 shared subscriptions, `$share/GROUP/filter`: read, matched by their filter, refused when
/// malformed, and warned about when they feed per-client rules.
@Suite struct SharedSubscriptionTests {
    @Test func groupAndFilterAreRead() throws {
        let loaded = try load(
            config(
                """
                    - {topic: "$share/cw/iot-2/type/+/id/+/mon", format: watson-iot}
                    - {topic: "$share/cw/tele/+/LWT", format: lwt, client_id_level: 2}
                    - {topic: "iot-2/app/+/mon", format: watson-iot}
                """,
                rules: fleetRule
            )
        )
        let subscriptions = try #require(loaded.brokers.first).subscriptions
        #expect(subscriptions.map(\.topic).first == "$share/cw/iot-2/type/+/id/+/mon", "subscribed as written")
        #expect(subscriptions.map(\.filter) == ["iot-2/type/+/id/+/mon", "tele/+/LWT", "iot-2/app/+/mon"])
        #expect(subscriptions.map(\.shareGroup) == ["cw", "cw", nil])
        // The level counts in the topics that arrive, which have no `$share/cw/`.
        #expect(subscriptions[1].lwt?.clientID(in: "tele/kitchen/LWT") == "kitchen")
        #expect(loaded.warnings.isEmpty, "a fleet rule alone needs no warning: \(loaded.warnings)")
    }

    @Test func malformedSharesAreReportedAtTheirTopic() {
        let found = problems(
            config(
                """
                    - {topic: "$share", format: watson-iot}
                    - {topic: "$share//iot-2/type/+/id/+/mon", format: watson-iot}
                    - {topic: "$share/a+b/iot-2/#", format: watson-iot}
                    - {topic: "$share/#/iot-2/#", format: watson-iot}
                    - {topic: "$share/cw", format: watson-iot}
                    - {topic: "$share/cw/", format: watson-iot}
                    - {topic: "$share/cw/iot-2/#/mon", format: watson-iot}
                """,
                rules: fleetRule
            )
        )
        let expected = [
            "rules.yaml:5:15: shared subscription '$share' has no group",
            "rules.yaml:6:15: shared subscription '$share//iot-2/type/+/id/+/mon' has no group",
            "rules.yaml:7:15: shared subscription '$share/a+b/iot-2/#': the group 'a+b' must not contain '+' or '#'",
            "rules.yaml:8:15: shared subscription '$share/#/iot-2/#': the group '#' must not contain '+' or '#'",
            "rules.yaml:9:15: shared subscription '$share/cw' has no topic filter after the group",
            "rules.yaml:10:15: shared subscription '$share/cw/' has no topic filter after the group",
            "rules.yaml:11:15: topic filter 'iot-2/#/mon': '#' must be a whole level and the last one",
        ]
        for message in expected {
            #expect(found.contains { $0.hasPrefix(message) }, "missing \(message) in \(found)")
        }
        #expect(found.count == expected.count, "\(found)")
    }

    @Test func aShareFeedingPerClientRulesIsWarnedAbout() throws {
        let loaded = try load(
            config(
                """
                    - {topic: "$share/cw/iot-2/type/+/id/+/mon", format: watson-iot}
                    - {topic: "iot-2/app/+/mon", format: watson-iot}
                    - {topic: "$share/cw/$SYS/brokers/+/clients/#", format: emqx}
                """,
                rules: offlineRule + "\n" + fleetRule
                    + "\n  - {name: flappy, kind: flapping, transitions: 6, window: 10m}"
                    + "\n  - {name: per_type, kind: disconnects, count: 6, window: 10m, group_by: type_id}"
            )
        )
        let warnings = loaded.warnings.map(\.asWarning)
        try #require(warnings.count == 2, "\(warnings)")
        #expect(warnings[0].hasPrefix("rules.yaml:5:15: warning: shared subscription '$share/cw/iot-2/"), "\(warnings)")
        #expect(warnings[1].hasPrefix("rules.yaml:7:15: warning: shared subscription '$share/cw/$SYS/"), "\(warnings)")
        for warning in warnings {
            #expect(warning.contains("per-client rules ('sensor_offline', 'flappy')"), "\(warning)")
            #expect(warning.contains("hash_topic") && warning.contains("hash_clientid"), "\(warning)")
            #expect(warning.contains("Mosquitto hands the group's messages out round-robin"), "\(warning)")
            #expect(warning.contains("disjoint topic filter"), "\(warning)")
        }
        #expect(warnings[1].contains("format emqx gets a client's connected and disconnected events on two topics"))
        #expect(!warnings[0].contains("format emqx"))
    }

    @Test func plainSubscriptionsAreNotWarnedAbout() throws {
        let loaded = try load(
            config("    - {topic: \"iot-2/type/+/id/+/mon\", format: watson-iot}", rules: offlineRule)
        )
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
    }

    @Test func matchingIgnoresTheSharePrefix() throws {
        let shared = SubscriptionConfig(topic: "$share/g/iot-2/type/+/id/+/mon", format: .watsonIoT)
        #expect(TopicFilter.matches(shared.filter, "iot-2/type/sensor/id/s1/mon"))
        #expect(!TopicFilter.matches(shared.topic, "iot-2/type/sensor/id/s1/mon"))
        #expect(SharedSubscription.parse("$shared/g/x") == nil, "only the level $share makes a share")
        #expect(SharedSubscription.parse("a/$share/g/x") == nil)
    }
}
