import Testing

@testable import ConnWatchCore

/// A broker section with `subscriptions` (indented list items) and nothing else.
private func config(_ subscriptions: String) -> String {
    "mqtt:\n  url: mqtt://127.0.0.1:1883\n  client_id: cw\n  subscriptions:\n" + subscriptions
}

private func load(_ text: String) -> Result<ConnWatchConfig, ConfigError> {
    do {
        return .success(try ConfigLoader.load(text: text, file: "rules.yaml", isReadable: { _ in true }))
    } catch {
        return .failure(error)
    }
}

private func problems(_ text: String) -> [String] {
    if case .failure(let error) = load(text) { return error.problems.map(\.description) }
    return []
}

private func subscriptions(_ text: String) throws -> [SubscriptionConfig] {
    switch load(text) {
    case .success(let config): return try #require(config.brokers.first).subscriptions
    case .failure(let error):
        Issue.record("unexpected problems: \(error.problems.map(\.description))")
        return []
    }
}

@Suite struct SubscriptionConfigTests {
    @Test func everyFormatLoads() throws {
        let loaded = try subscriptions(
            config(
                """
                    - {topic: "iot-2/type/+/id/+/mon", format: watson-iot}
                    - {topic: "$aws/events/presence/+/+", format: aws-iot}
                    - {topic: "$SYS/brokers/+/clients/#", format: emqx}
                    - {topic: "tele/+/LWT", format: tasmota}
                    - {topic: "homie/#", format: homie}
                    - {topic: "zigbee2mqtt/#", format: zigbee2mqtt}
                    - {topic: "spBv1.0/#", format: sparkplug, qos: 0}
                    - {topic: "site/+/status", format: lwt}

                """
            )
        )
        #expect(loaded.count == FeedFormat.allCases.count)
        #expect(Set(loaded.map(\.format)) == Set(FeedFormat.allCases))
        #expect(loaded.last?.lwt == LWTOptions(clientID: .level(2)))
        #expect(loaded[6].qos == 0)
        #expect(loaded.dropLast().allSatisfy { $0.lwt == nil })
    }

    @Test func lwtOptions() throws {
        let loaded = try subscriptions(
            config(
                """
                    - topic: "devices/#"
                      format: lwt
                      topic_pattern: "devices/+/{client_id}/state"
                      online: [UP, alive]
                      offline: dead
                      clean_offline: [bye]
                      json_field: status

                """
            )
        )
        let options = try #require(loaded.first?.lwt)
        #expect(options.clientID == .pattern([.literal("devices"), .any, .clientID, .literal("state")]))
        #expect(options.online == ["UP", "alive"])
        #expect(options.offline == ["dead"])
        #expect(options.cleanOffline == ["bye"])
        #expect(options.jsonField == "status")
    }

    @Test func problemsArePositioned() {
        #expect(
            problems(config("    - {topic: \"tele/+/LWT\", format: lwt, client_id_levle: 2}\n")) == [
                "rules.yaml:5:42: unknown key 'client_id_levle' in a subscription; did you mean 'client_id_level'?"
            ]
        )
        #expect(
            problems(config("    - {topic: \"tele/+/LWT\", format: lwt, client_id_level: 5}\n")) == [
                "rules.yaml:5:59: client_id_level 5 is impossible: topic filter 'tele/+/LWT' has 3 levels"
            ]
        )
        #expect(
            problems(config("    - {topic: \"tele/+/LWT\", format: lwt, client_id_level: 1}\n")).first?.contains(
                "is the fixed text 'tele'"
            ) == true
        )
        #expect(
            problems(config("    - {topic: \"tele/LWT\", format: lwt}\n")).first?.contains(
                "needs client_id_level or topic_pattern"
            ) == true
        )
        #expect(
            problems(config("    - {topic: \"tele/+/LWT\", format: tasmota, online: [on]}\n")) == [
                "rules.yaml:5:46: 'online' applies to format lwt only, not tasmota (its rules are fixed)"
            ]
        )
        #expect(
            problems(config("    - {topic: \"a/#\", format: lwt, topic_pattern: \"a/{client_id}/#/b\"}\n")).contains {
                $0.contains("'#' must be the last level")
            }
        )
        #expect(
            problems(config("    - {topic: \"a/+\", format: lwt, online: [On], offline: [on]}\n")).first?.contains(
                "'on' is listed in both online and offline"
            ) == true
        )
        #expect(
            problems(
                config("    - {topic: \"a/+\", format: lwt, client_id_level: 2, topic_pattern: \"a/{client_id}\"}\n")
            )
            .first?.contains("either client_id_level or topic_pattern") == true
        )
        #expect(
            problems(config("    - {topic: \"a/+\", format: tasmotta}\n")).first?.contains("did you mean 'tasmota'")
                == true
        )
    }
}

@Suite struct BrokerAuthConfigTests {
    @Test func passwordFileNeedsAUsername() {
        let text = "mqtt:\n  url: mqtt://h\n  password_file: pw\n  subscriptions:\n    - {topic: a/+, format: lwt}\n"
        #expect(
            problems(text) == [
                "rules.yaml:3:3: password_file needs a username (MQTT sends a password only with a user name)"
            ]
        )
        #expect(
            problems(text.replacingOccurrences(of: "  password_file", with: "  username: u\n  password_file")).isEmpty
        )
    }
}
