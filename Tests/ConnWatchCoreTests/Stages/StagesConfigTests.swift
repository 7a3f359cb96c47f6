import Foundation
import Testing

@testable import ConnWatchCore

private let base = """
    mqtt:
      - name: main
        url: mqtt://127.0.0.1:1883
        subscriptions:
          - topic: iot-2/type/+/id/+/mon
            format: watson-iot

    """

private func problems(_ text: String) -> [String] {
    do {
        _ = try ConfigLoader.load(text: base + text, file: "rules.yaml")
        return []
    } catch {
        return error.problems.map(\.description)
    }
}

@Suite struct StagesConfigTests {
    @Test func parsesEveryStageKey() throws {
        let text = """
            defaults:
              group_by: [alertname, type_id]
              group_wait: 10s
              group_interval: 2m
              repeat_interval: 1h
            receivers:
              - name: hook
                type: webhook
                url: http://127.0.0.1:9/hook
            rules:
              - name: fleet_offline
                kind: fleet_offline
                ratio: 0.5
                receivers: [hook]
            inhibit:
              - name: fleet
                source_matchers: ['alertname="fleet_offline"']
                target_matchers: ['alertname=~"device_offline|gateway_offline"']
                equal: [type_id]
            silences:
              - id: upgrade
                matchers: ['type_id="gw"', 'device_id!~"lab-.*"']
                starts_at: 2026-03-29T01:30:00+01:00
                ends_at: 2026-03-29T03:30:00+02:00
                comment: firmware
                created_by: ops
            maintenance:
              - name: nightly
                weekdays: [monday:friday, sun]
                start: "22:00"
                end: "06:00"
                location: Europe/Berlin
                matchers: ['type_id="gw"']
            """
        let config = try ConfigLoader.load(text: base + text, file: "rules.yaml")
        #expect(
            config.defaults.grouping
                == GroupingOptions(
                    groupBy: ["alertname", "type_id"],
                    groupWait: 10_000,
                    groupInterval: 120_000,
                    repeatInterval: 3_600_000
                )
        )
        let rule = try #require(config.inhibitRules.first)
        #expect(rule.name == "fleet")
        #expect(rule.sourceMatchers == [try matcher(#"alertname="fleet_offline""#)])
        #expect(rule.targetMatchers.first?.op == .matchesRegex)
        #expect(rule.equal == ["type_id"])
        let silence = try #require(config.silences.first)
        #expect(silence.matchers.count == 2)
        #expect(silence.startsAt == ms("2026-03-29T00:30:00Z"))
        #expect(silence.endsAt == ms("2026-03-29T01:30:00Z"))
        let window = try #require(config.maintenance.first)
        #expect(window.weekdays == [.monday, .tuesday, .wednesday, .thursday, .friday, .sunday])
        #expect(window.start == 1320)
        #expect(window.end == 360)
        #expect(window.location.identifier == "Europe/Berlin")
        #expect(window.matchers.count == 1)
    }

    @Test func defaultsWhenAbsent() throws {
        let config = try ConfigLoader.load(text: base, file: "rules.yaml")
        #expect(config.defaults.grouping == GroupingOptions())
        #expect(config.inhibitRules.isEmpty && config.silences.isEmpty && config.maintenance.isEmpty)
    }

    @Test func wrappingWeekdayRange() throws {
        let text = """
            maintenance:
              - weekdays: ["friday:monday"]
                start: "00:00"
                end: "24:00"
            """
        let config = try ConfigLoader.load(text: base + text, file: "rules.yaml")
        #expect(config.maintenance.first?.weekdays == [.friday, .saturday, .sunday, .monday])
        #expect(config.maintenance.first?.location.secondsFromGMT() == 0)
    }

    @Test func unknownKeysSuggest() {
        let text = """
            defaults:
              group_wiat: 10s
            inhibit:
              - source_matchers: ['a="1"']
                target_matchers: ['b="1"']
                equals: [c]
            """
        #expect(
            problems(text) == [
                "rules.yaml:8:3: unknown key 'group_wiat' in defaults; did you mean 'group_wait'?",
                "rules.yaml:12:5: unknown key 'equals' in inhibit rule 1; did you mean 'equal'?",
            ]
        )
    }

    @Test func inhibitRulesNamingNoRuleAreReported() {
        let text = """
            receivers:
              - name: hook
                type: webhook
                url: http://127.0.0.1:9/hook
            rules:
              - name: gateway_offline
                kind: offline
                for: 1m
                receivers: [hook]
            inhibit:
              - source_matchers: ['alertname="gateway_ofline"', 'severity="critical"']
                target_matchers: ['alertname=~"device_.*"', 'alertname="feed_down"']
            """
        #expect(
            problems(text) == [
                "rules.yaml:17:23: inhibit rule 1: source_matchers names alertname 'gateway_ofline', "
                    + "but no rule has that name; did you mean 'gateway_offline'?"
            ]
        )
    }

    @Test func badMatchersAndLabelsArePositioned() {
        let text = """
            inhibit:
              - source_matchers: ['a=~"(oops"']
                target_matchers: ['type_id']
                equal: [type_id, "not a label"]
            defaults:
              group_by: [alertname, "bad-name"]
            """
        let found = problems(text)
        #expect(found.count == 4)
        #expect(
            found[0].hasPrefix("rules.yaml:8:23: inhibit rule 1: source_matchers: '(oops' is not a regular expression")
        )
        #expect(
            found[1]
                == "rules.yaml:9:23: inhibit rule 1: target_matchers: matcher 'type_id' has no operator (=, !=, =~, !~)"
        )
        #expect(
            found[2] == "rules.yaml:10:12: inhibit rule 1: equal names labels only; 'not a label' is not a label name"
        )
        #expect(found[3] == "rules.yaml:12:13: group_by entry 'bad-name' is not a label name (or '...' for all labels)")
    }

    @Test func silenceAndWindowErrors() {
        let text = """
            silences:
              - matchers: ['a="1"']
                starts_at: 2026-03-29T03:00:00+02:00
                ends_at: 2026-03-29T01:00:00Z
              - matchers: []
                starts_at: yesterday
                ends_at: 2026-03-29T01:00:00Z
            maintenance:
              - name: w
                weekdays: [funday]
                start: "25:00"
                end: "06:00"
                location: Mars/Olympus
            """
        #expect(
            problems(text) == [
                "rules.yaml:10:14: silence 1: ends_at must be after starts_at",
                "rules.yaml:11:15: silence 2: matchers must not be empty (it would silence everything)",
                "rules.yaml:12:16: silence 2: starts_at 'yesterday' is not a time (use RFC 3339, e.g. 2026-03-29T01:00:00+01:00)",
                "rules.yaml:16:15: maintenance window 'w': 'funday' is not a weekday or a range like monday:friday",
                "rules.yaml:17:12: maintenance window 'w': start '25:00' is not a time of day (HH:MM, 00:00 to 24:00)",
                "rules.yaml:19:15: maintenance window 'w': location 'Mars/Olympus' is not an IANA time zone (e.g. Europe/Berlin)",
            ]
        )
    }

    @Test func missingRequiredKeys() {
        let text = """
            inhibit:
              - target_matchers: ['b="1"']
            silences:
              - matchers: ['a="1"']
            maintenance:
              - start: "01:00"
            """
        #expect(
            problems(text) == [
                "rules.yaml:8:5: inhibit rule 1 has no 'source_matchers'",
                "rules.yaml:10:5: silence 1 has no 'starts_at'",
                "rules.yaml:10:5: silence 1 has no 'ends_at'",
                "rules.yaml:12:5: maintenance window 1 has no 'end'",
            ]
        )
    }
}
