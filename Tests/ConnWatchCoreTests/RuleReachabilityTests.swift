import Testing

@testable import ConnWatchCore

/// `check` warns about rules no client of the subscribed formats can match, at their `match:`.
@Suite struct RuleReachabilityTests {
    private func warnings(formats: [String], match: String, brokerName: String = "home") throws -> [String] {
        let subscriptions = formats.map { "      - topic: t/\($0)/#\n        format: \($0)\n" }.joined()
        let text = """
            mqtt:
              - name: \(brokerName)
                url: mqtt://127.0.0.1:1883
                subscriptions:
            \(subscriptions)defaults:
              receivers: [ops]
            receivers:
              - name: ops
                type: webhook
                url: http://127.0.0.1:9/hook
            rules:
              - name: plugs_offline
                kind: offline
                for: 5m
                match:
            \(match)
            """
        return try ConfigLoader.load(text: text, file: "rules.yaml").warnings.map(\.asWarning)
    }

    @Test func aDeviceRuleOnTasmotaAndHomieFeedsCanNeverMatch() throws {
        let found = try warnings(formats: ["tasmota", "homie"], match: "      client_type: device")
        #expect(
            found == [
                "rules.yaml:20:7: warning: rule 'plugs_offline' can never match: client_type 'device' is never met: "
                    + "the subscribed formats give client_type tasmota: unknown; homie: unknown"
            ],
            "\(found)"
        )
    }

    @Test("a client_type some subscribed format gives is fine", arguments: ["watson-iot", "sparkplug"])
    func aDeviceRuleWithAFormatThatHasDevices(format: String) throws {
        #expect(try warnings(formats: ["tasmota", format], match: "      client_type: device").isEmpty)
        #expect(try warnings(formats: ["tasmota"], match: "      client_type: unknown").isEmpty)
        #expect(try warnings(formats: ["tasmota"], match: "      client_type: ['*']").isEmpty)
    }

    @Test func identityLabelsOnlyWatsonFillsNeverMatchElsewhere() throws {
        let found = try warnings(formats: ["emqx", "zigbee2mqtt"], match: "      type_id: sensor*")
        #expect(found.count == 1 && found[0].contains("type_id 'sensor*' is never met: type_id is empty"), "\(found)")
        #expect(try warnings(formats: ["emqx", "watson-iot"], match: "      type_id: sensor*").isEmpty)
        // An empty value is what these clients have, so a pattern that takes it matches.
        #expect(try warnings(formats: ["emqx"], match: "      type_id: '*'").isEmpty)
    }

    @Test func matcherListsAreCheckedToo() throws {
        let never = try warnings(formats: ["zigbee2mqtt"], match: "      - client_type=~\"device|gateway\"")
        #expect(never.count == 1 && never[0].contains("'client_type=~\"device|gateway\"' is never met"), "\(never)")
        #expect(try warnings(formats: ["zigbee2mqtt"], match: "      - client_type!=\"device\"").isEmpty)
        #expect(try warnings(formats: ["zigbee2mqtt"], match: "      - client_id=~\"plug-.*\"").isEmpty)
    }

    @Test func aBrokerNoBrokerHasCanNeverMatch() throws {
        let found = try warnings(formats: ["emqx"], match: "      broker: plant2", brokerName: "plant")
        #expect(
            found.count == 1 && found[0].contains("broker 'plant2' is never met: the brokers are 'plant'"),
            "\(found)"
        )
        #expect(try warnings(formats: ["emqx"], match: "      broker: plant*", brokerName: "plant").isEmpty)
    }
}
