import Testing

@testable import ConnWatchCore

private let valid = """
    mqtt:
      - name: main
        url: mqtt://127.0.0.1:1883
        client_id: connwatch-1
        protocol: 3.1.1
        keepalive: 20s
        subscriptions:
          - topic: iot-2/type/+/id/+/mon
            format: watson-iot
            qos: 1
    defaults:
      startup_grace: 2m
      receivers: [ops]
    receivers:
      - name: ops
        type: webhook
        url: http://127.0.0.1:9000/hook
        timeout: 5s
        headers:
          X-Team: iot
    rules:
      - name: device_offline
        kind: offline
        for: 10m
        severity: critical
        match:
          client_type: device
          type_id: ["sensor*", "gw"]
        labels:
          team: iot
        annotations:
          summary: "{{client_id}} has been offline for {{offline_for}}"
    """

private func problems(_ text: String, readable: @escaping (String) -> Bool = { _ in true }) -> [String] {
    do {
        _ = try ConfigLoader.load(text: text, file: "rules.yaml", isReadable: readable)
        return []
    } catch {
        return error.problems.map(\.description)
    }
}

@Suite struct ConfigLoaderTests {
    @Test func loadsEveryKey() throws {
        let config = try ConfigLoader.load(text: valid, file: "rules.yaml")
        let broker = try #require(config.brokers.first)
        #expect(broker.name == "main")
        #expect(broker.host == "127.0.0.1")
        #expect(broker.port == 1883)
        #expect(broker.clientID == "connwatch-1")
        #expect(broker.cleanSession == false)
        #expect(broker.protocolVersion == 4)
        #expect(broker.keepAlive == 20_000)
        #expect(
            broker.subscriptions == [SubscriptionConfig(topic: "iot-2/type/+/id/+/mon", format: .watsonIoT, qos: 1)]
        )
        #expect(config.defaults.startupGrace == 120_000)
        #expect(config.defaults.receivers == ["ops"])
        let receiver = try #require(config.receivers.first)
        #expect(receiver.url == "http://127.0.0.1:9000/hook")
        #expect(receiver.timeout == 5000)
        #expect(receiver.headers == [HTTPHeaderConfig(name: "X-Team", value: "iot")])
        #expect(receiver.sendResolved)
        let rule = try #require(config.offlineRules.first)
        #expect(rule.name == "device_offline")
        #expect(rule.forDuration == 600_000)
        #expect(rule.severity == "critical")
        #expect(rule.labels["team"] == "iot")
        #expect(rule.annotations.map(\.name) == ["summary"])
        #expect(rule.match.conditions.map(\.label) == [.clientType, .typeID])
        #expect(rule.match.conditions[1].globs == [Glob("sensor*"), Glob("gw")])
    }

    @Test func forgetAfterIsReadAndMustOutlastEveryRulesTime() throws {
        #expect(try ConfigLoader.load(text: valid, file: "rules.yaml").defaults.forgetAfter == 0, "off by default")
        let thirtyDays = valid.replacingOccurrences(of: "  startup_grace: 2m\n", with: "  forget_after: 30d\n")
        let config = try ConfigLoader.load(text: thirtyDays, file: "rules.yaml")
        #expect(config.defaults.forgetAfter == 30 * 86_400_000)
        #expect(config.engine.forgetAfter == 30 * 86_400_000)
        let tooShort = valid.replacingOccurrences(of: "  startup_grace: 2m\n", with: "  forget_after: 10m\n")
        #expect(
            problems(tooShort) == [
                "rules.yaml:12:17: forget_after 10m is not longer than the 10m of rule 'device_offline': "
                    + "its clients would be forgotten before it could fire"
            ]
        )
    }

    @Test func keepFiringForIsReadForOfflineRulesOnly() throws {
        let text = valid.replacingOccurrences(of: "    for: 10m", with: "    for: 10m\n    keep_firing_for: 2m")
        #expect(try ConfigLoader.load(text: text, file: "rules.yaml").offlineRules.first?.keepFiringFor == 120_000)
        let unseen = valid.replacingOccurrences(of: "    for: 10m", with: "    for: 10m\n    unseen_is_offline: true")
        #expect(try ConfigLoader.load(text: unseen, file: "rules.yaml").offlineRules.first?.unseenIsOffline == true)
        let counting = valid.replacingOccurrences(
            of: "    kind: offline\n    for: 10m",
            with: "    kind: disconnects\n    count: 3\n    window: 10m\n    keep_firing_for: 2m"
        )
        #expect(problems(counting).contains { $0.contains("'keep_firing_for'") })
    }

    @Test func unknownKeyIsReportedWithPositionAndSuggestion() {
        let text = valid.replacingOccurrences(of: "    for: 10m", with: "    fro: 10m")
        let found = problems(text)
        #expect(found.contains("rules.yaml:24:5: unknown key 'fro' in a rule; did you mean 'for'?"))
        #expect(found.contains { $0.contains("rule 'device_offline' needs 'for'") })
    }

    @Test func badDurationIsReportedAtTheValue() {
        let text = valid.replacingOccurrences(of: "for: 10m", with: "for: 10 minutes")
        #expect(problems(text) == ["rules.yaml:24:10: for '10 minutes' is not a duration (use e.g. 30s, 10m, 4h, 2d)"])
    }

    @Test func yamlSyntaxErrorHasAPosition() {
        let found = problems("mqtt:\n  - url: [unclosed\n")
        #expect(found.count == 1)
        #expect(found[0].hasPrefix("rules.yaml:"))
        #expect(found[0].contains("YAML syntax"))
    }

    @Test func everyProblemIsReportedNotJustTheFirst() {
        let text = """
            mqtt:
              - url: http://broker
                subscriptions:
                  - topic: a/#/b
                    format: watson
            receivers:
              - name: ops
                type: slack-ish
                url: ftp://x
            rules:
              - name: r1
                kind: ofline
                for: 1m
                receivers: [opz]
              - name: r1
                kind: offline
                for: 5m
                match:
                  client_type: robot
                annotations:
                  summary: "{{client}} down {{offline_for"
            """
        let found = problems(text)
        let expected = [
            "rules.yaml:2:10: url 'http://broker' must start with mqtt:// or mqtts://",
            "rules.yaml:4:16: topic filter 'a/#/b': '#' must be a whole level and the last one",
            "rules.yaml:5:17: unknown format 'watson' (known: watson-iot, aws-iot, emqx, lwt, tasmota, homie, "
                + "zigbee2mqtt, sparkplug); did you mean 'watson-iot'?",
            "rules.yaml:8:11: unknown receiver type 'slack-ish' (known: slack, teams, discord, googlechat, mattermost, "
                + "rocketchat, ntfy, pagerduty, webhook, alertmanager)",
            "rules.yaml:9:10: url must be an http:// or https:// address",
            "rules.yaml:12:11: unknown rule kind 'ofline' (known: offline, inactive, disconnects, failed_connects, flapping, fleet_offline); did you mean 'offline'?",
            "rules.yaml:14:16: receiver 'opz' is not defined under receivers; did you mean 'ops'?",
            "rules.yaml:19:20: client_type 'robot' is not one of device, gateway, application, scalable-application, unknown",
            "rules.yaml:21:16: annotation 'summary': unclosed '{{' in template",
        ]
        for line in expected { #expect(found.contains(line), "missing: \(line)\nfound: \(found)") }
    }

    @Test func unknownTemplateVariableIsAnError() {
        let text = valid.replacingOccurrences(of: "{{offline_for}}", with: "{{offline_four}}")
        #expect(
            problems(text) == [
                "rules.yaml:32:16: annotation 'summary' uses unknown variable '{{offline_four}}'; did you mean '{{offline_for}}'?"
            ]
        )
    }

    @Test func unreadableSecretFileIsReported() {
        let text = valid.replacingOccurrences(of: "url: http://127.0.0.1:9000/hook", with: "url_file: /nope/hook-url")
        #expect(
            problems(text, readable: { _ in false }) == ["rules.yaml:17:15: url_file '/nope/hook-url' cannot be read"]
        )
        #expect(problems(text, readable: { _ in true }).isEmpty)
    }

    @Test func missingSectionsAndEmptyFile() {
        #expect(problems("") == ["rules.yaml:1:1: the file is empty"])
        #expect(problems("rules: []\n").contains { $0.contains("no 'mqtt' section") })
        #expect(problems("- a\n- b\n") == ["rules.yaml:1:1: the configuration must be a mapping (key: value)"])
    }

    @Test func duplicateRuleNamesAreReported() {
        let text = valid + "\n  - name: device_offline\n    kind: offline\n    for: 1m\n"
        #expect(problems(text).contains { $0.contains("two rules are named 'device_offline'") })
    }

    @Test func brokerURLForms() {
        func parse(_ text: String) -> String {
            switch BrokerURL.parse(text) {
            case .success(let url): return "\(url.host) \(url.port) \(url.tls)"
            case .failure(let message): return message
            }
        }
        #expect(parse("mqtt://localhost") == "localhost 1883 false")
        #expect(parse("mqtts://broker.example:8884") == "broker.example 8884 true")
        #expect(parse("mqtts://broker.example") == "broker.example 8883 true")
        #expect(parse("mqtt://[::1]:1884") == "::1 1884 false")
        #expect(parse("mqtt://host:0").contains("bad port"))
        #expect(parse("mqtt://:1883").contains("needs a host"))
    }
}

@Suite struct SmallPartsTests {
    @Test func durations() {
        #expect(DurationText.parse("30s") == 30_000)
        #expect(DurationText.parse("1h30m") == 5_400_000)
        #expect(DurationText.parse("2d") == 172_800_000)
        #expect(DurationText.parse("250ms") == 250)
        #expect(DurationText.parse("0") == 0)
        #expect(DurationText.parse("10") == nil)
        #expect(DurationText.parse("m") == nil)
        #expect(DurationText.parse("5x") == nil)
        #expect(DurationText.parse("-5s") == nil)
        #expect(DurationText.parse("99999999999999w") == nil)
        #expect(DurationText.format(milliseconds: 45_000) == "45s")
        #expect(DurationText.format(milliseconds: 3_900_000) == "1h5m")
        #expect(DurationText.format(milliseconds: 187_200_000) == "2d4h")
    }

    @Test func globs() {
        #expect(Glob("sensor*").matches("sensor-42"))
        #expect(Glob("sensor*").matches("sensor"))
        #expect(!Glob("sensor*").matches("xsensor"))
        #expect(Glob("*-4?").matches("sensor-42"))
        #expect(!Glob("*-4?").matches("sensor-4"))
        #expect(Glob("a*b*c").matches("aXXbYYbc"))
        #expect(!Glob("a*b*c").matches("aXXbYYb"))
        #expect(Glob("*").matches(""))
        #expect(Glob("exact").matches("exact"))
        #expect(!Glob("exact").matches("exactly"))
    }

    @Test func topicFilters() {
        #expect(TopicFilter.matches("iot-2/type/+/id/+/mon", "iot-2/type/t/id/d/mon"))
        #expect(!TopicFilter.matches("iot-2/type/+/id/+/mon", "iot-2/type/t/id/d/evt"))
        #expect(TopicFilter.matches("a/#", "a/b/c"))
        #expect(TopicFilter.matches("a/#", "a"))
        #expect(!TopicFilter.matches("+/x", "$SYS/x"))
        #expect(TopicFilter.matches("$SYS/#", "$SYS/x"))
        #expect(!TopicFilter.matches("a/+", "a/b/c"))
    }

    /// Levels split at every `/` and compared byte for byte, as brokers do (topic-matcher's seed
    /// slash-before-combining-mark): a `/` and a combining mark make one Swift `Character`.
    @Test func topicLevelsAreBytesNotCharacters() {
        #expect(TopicFilter.matches("a/+/c", "a/\u{301}x/c"))
        #expect(TopicFilter.matches("+/+", "a/\u{301}"))
        #expect(!TopicFilter.matches("caf\u{E9}/+", "cafe\u{301}/x"))
        #expect(TopicFilter.problem("a/#\u{301}") != nil)
        let pattern = try? LWTOptions.parsePattern("tele/{client_id}/LWT").get()
        #expect(pattern.map { LWTOptions(clientID: .pattern($0)).clientID(in: "tele/\u{301}p/LWT") } == "\u{301}p")
    }

    @Test func templates() throws {
        let template = try TextTemplate("{{ client_id }} is {{state}}!")
        #expect(template.variables == ["client_id", "state"])
        #expect(template.render { ["client_id": "c1", "state": "down"][$0] } == "c1 is down!")
        #expect(throws: TextTemplate.ParseError.self) { try TextTemplate("{{open") }
        #expect(throws: TextTemplate.ParseError.self) { try TextTemplate("{{}}") }
    }

    @Test func fingerprintIsStableAndOrderIndependent() {
        let a = LabelSet(["alertname": "x", "client_id": "c"])
        var b = LabelSet()
        b["client_id"] = "c"
        b["alertname"] = "x"
        #expect(a.fingerprint == b.fingerprint)
        #expect(a.fingerprint.count == 16)
        #expect(a.fingerprint != LabelSet(["alertname": "x", "client_id": "d"]).fingerprint)
        // Pinned (FNV-1a 64 computed independently) so that a change of the hash, which would
        // re-notify every alert after an upgrade, is noticed.
        #expect(LabelSet(["alertname": "device_offline"]).fingerprint == "7de81d77690a4bd5")
    }
}

@Suite struct CountingRuleConfigTests {
    private let base = rulesFixture

    @Test func loadsDisconnectsAndFailedConnects() throws {
        let text =
            base + """
                  - name: server_kicks
                    kind: disconnects
                    count: 3
                    window: 15m
                    initiator: server
                    cause: [server_shutdown, admin_kick]
                    reason_codes: [93, 94]
                    group_by: type_id
                  - name: brute_force
                    kind: failed_connects
                    count: 5
                    window: 10m
                    group_by: address
                """
        let config = try ConfigLoader.load(text: text, file: "rules.yaml")
        #expect(config.countingRules.count == 2)
        let kicks = config.countingRules[0]
        #expect(kicks.kind == .disconnects)
        #expect(kicks.count == 3)
        #expect(kicks.window == 900_000)
        #expect(kicks.initiators == [.server])
        #expect(kicks.causes == [.serverShutdown, .adminKick])
        #expect(kicks.reasonCodes == [93, 94])
        #expect(kicks.grouping == .label(.typeID))
        #expect(config.countingRules[1].kind == .failedConnects)
        #expect(config.countingRules[1].grouping == .address)
        #expect(config.ruleCount == 2)
    }

    @Test func kindSpecificSettingsAreChecked() {
        let text =
            base + """
                  - name: a
                    kind: offline
                    for: 1m
                    count: 3
                  - name: b
                    kind: disconnects
                    window: 5m
                    cause: keepalive
                  - name: c
                    kind: failed_connects
                    count: 2
                    window: 1m
                    initiator: server
                """
        var found: [String] = []
        do {
            _ = try ConfigLoader.load(text: text, file: "rules.yaml")
        } catch {
            found = error.problems.map(\.description)
        }
        #expect(found.contains("rules.yaml:15:5: 'count' is not a setting of rule kind offline"), "\(found)")
        #expect(found.contains("rules.yaml:16:5: rule 'b' needs 'count' (how many events make an alert)"), "\(found)")
        #expect(
            found.contains {
                $0.contains("cause 'keepalive' is not one of") && $0.contains("did you mean 'keepalive_timeout'?")
            },
            "\(found)"
        )
        #expect(
            found.contains("rules.yaml:24:5: 'initiator' is not a setting of rule kind failed_connects"),
            "\(found)"
        )
    }
}

@Suite struct FleetRuleConfigTests {
    private let base = rulesFixture

    @Test func loadsFleetOffline() throws {
        let text =
            base + """
                  - name: type_outage
                    kind: fleet_offline
                    group_by: type_id
                    ratio: 30%
                    min_clients: 20
                    for: 2m
                    inhibit: true
                """
        let config = try ConfigLoader.load(text: text, file: "rules.yaml")
        let rule = try #require(config.fleetRules.first)
        #expect(rule.groupBy == .typeID)
        #expect(rule.ratio == 0.3)
        #expect(rule.minClients == 20)
        #expect(rule.forDuration == 120_000)
        #expect(rule.inhibit)
        #expect(rule.severity == "critical")
        #expect(config.engine.fleetRules == [rule])
    }

    @Test func fleetNeedsAThresholdAndValidValues() {
        let text =
            base + """
                  - name: a
                    kind: fleet_offline
                    group_by: typeid
                  - name: b
                    kind: fleet_offline
                    ratio: 130%
                """
        var found: [String] = []
        do {
            _ = try ConfigLoader.load(text: text, file: "rules.yaml")
        } catch {
            found = error.problems.map(\.description)
        }
        #expect(
            found.contains { $0.contains("group_by 'typeid' is not one of") && $0.contains("did you mean 'type_id'?") },
            "\(found)"
        )
        #expect(
            found.contains("rules.yaml:12:5: rule 'a' needs 'ratio' (e.g. 30%) or 'count' (how many clients offline)"),
            "\(found)"
        )
        #expect(found.contains { $0.contains("ratio must be a fraction above 0 and at most 1") }, "\(found)")
    }
}

@Suite struct FlappingRuleConfigTests {
    @Test func loadsFlappingWithHysteresis() throws {
        let text =
            rulesFixture + """
                  - name: flapping
                    kind: flapping
                    transitions: 8
                    window: 15m
                    resolve_below: 2
                  - name: flapping_default
                    kind: flapping
                    transitions: 6
                    window: 10m
                """
        let config = try ConfigLoader.load(text: text, file: "rules.yaml")
        #expect(config.countingRules.map(\.kind) == [.flapping, .flapping])
        #expect(config.countingRules[0].count == 8)
        #expect(config.countingRules[0].resolveBelow == 2)
        #expect(config.countingRules[0].window == 900_000)
        #expect(config.countingRules[1].resolveBelow == 3)
    }
}

@Suite struct MatcherListConfigTests {
    private func load(_ match: String) throws(ConfigError) -> ConnWatchConfig {
        let text =
            rulesFixture + """
                  - name: r
                    kind: offline
                    for: 1m
                    match:
                \(match)
                """
        return try ConfigLoader.load(text: text, file: "rules.yaml")
    }

    @Test func alertmanagerMatchersSelectClients() throws {
        let config = try load(
            """
                  - type_id=~"sensor-[0-9]+"
                  - broker!="lab"
            """
        )
        let matcher = try #require(config.offlineRules.first?.match)
        func client(_ type: String, broker: String) -> ClientState {
            ClientState(
                event: StatusEvent(
                    action: .connect,
                    clientID: "d:o:\(type):x",
                    clientType: .device,
                    typeID: type,
                    time: 0
                ),
                broker: broker
            )
        }
        #expect(matcher.matches(client("sensor-12", broker: "main")))
        #expect(!matcher.matches(client("sensor-12", broker: "lab")))
        #expect(!matcher.matches(client("sensor-x", broker: "main")), "regexes match the whole value")
        #expect(!matcher.matches(client("gateway", broker: "main")))
    }

    @Test func badMatchersAreReported() {
        var found: [String] = []
        do {
            _ = try load(
                """
                      - typeid="x"
                      - type_id=~"("
                """
            )
        } catch {
            found = error.problems.map(\.description)
        }
        #expect(
            found.contains { $0.contains("'typeid' is not a client label") && $0.contains("did you mean 'type_id'?") },
            "\(found)"
        )
        #expect(found.contains { $0.contains("matcher 'type_id=~\"(\"'") }, "\(found)")
    }
}

/// A valid configuration (one broker; receiver `ops`, the default) that ends in `rules:`:
/// append rule items. The first appended line is line 12.
let rulesFixture = """
    mqtt:
      url: mqtt://127.0.0.1:1883
      subscriptions:
        - topic: iot-2/type/+/id/+/mon
          format: watson-iot
    receivers:
      - name: ops
        url: http://127.0.0.1:9/x
    defaults:
      receivers: [ops]
    rules:

    """
