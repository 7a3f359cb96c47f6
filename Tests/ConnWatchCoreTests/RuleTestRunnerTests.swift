import Foundation
import Testing

@testable import ConnWatchCore

private let rulesText = """
    defaults:
      startup_grace: 0s
      receivers: [ops]
    receivers:
      - name: ops
        type: webhook
        url: http://127.0.0.1:9/alerts
    rules:
      - name: device_offline
        kind: offline
        for: 10m
        annotations:
          summary: "{{client_id}} offline for {{offline_for}}"
    """

/// Parses a test file whose `tests:` list is `tests` and runs it against `rulesText`.
private func run(_ tests: String, rules: String = rulesText) throws -> [RuleTestResult] {
    let suite = try RuleTestParser.parse(text: "rule_files: [rules.yaml]\ntests:\n" + tests, file: "t.yaml")
    let config = try RuleTestRunner.loadRules([("rules.yaml", rules)])
    return RuleTestRunner.run(suite, config: config)
}

private func problems(_ text: String) -> [String] {
    do {
        _ = try RuleTestParser.parse(text: text, file: "t.yaml")
        return []
    } catch {
        return error.problems.map(\.description)
    }
}

private let offlineEvents = """
        events:
          - {at: 0s, client_id: "d:o:t:s1", action: connect}
          - {at: 1m, client_id: "d:o:t:s1", action: disconnect, cause: keepalive_timeout}
    """

@Suite struct RuleTestRunnerTests {
    @Test func passingTestPasses() throws {
        let results = try run(
            """
              - name: fires at for
            \(offlineEvents)
                expect:
                  - {at: 10m59s, alerts: []}
                  - at: 11m
                    alerts:
                      - labels: {alertname: device_offline, client_id: "d:o:t:s1", type_id: t, client_type: device}
                        annotations: {summary: "d:o:t:s1 offline for 10m"}
            """
        )
        #expect(results.map(\.name) == ["fires at for"])
        #expect(results.first?.passed == true, "\(results.first?.failures ?? [])")
    }

    @Test func missingAlertIsShownWithMinus() throws {
        let results = try run(
            """
              - name: too early
            \(offlineEvents)
                expect:
                  - at: 10m59s
                    alerts:
                      - labels: {alertname: device_offline}
            """
        )
        let failure = try #require(results.first?.failures.first)
        #expect(failure.at == 659_000)
        #expect(failure.diff == ["- {alertname=\"device_offline\"}"])
        #expect(failure.got.isEmpty)
        #expect(failure.description.hasPrefix("  at 10m59s: firing alerts differ"))
    }

    @Test func unexpectedAlertIsShownWithPlusAndSortedLabels() throws {
        let results = try run(
            """
              - name: not expected
            \(offlineEvents)
                expect:
                  - {at: 11m, alerts: []}
            """
        )
        let failure = try #require(results.first?.failures.first)
        let line = try #require(failure.diff.first)
        #expect(failure.diff.count == 1)
        #expect(
            line.hasPrefix("+ {alertname=\"device_offline\", broker=\"test\", client_id=\"d:o:t:s1\", client_type=")
        )
    }

    @Test func annotationMismatchNamesTheAnnotation() throws {
        let results = try run(
            """
              - name: wrong summary
            \(offlineEvents)
                expect:
                  - at: 11m
                    alerts:
                      - labels: {client_id: "d:o:t:s1"}
                        annotations: {summary: "gone"}
            """
        )
        let failure = try #require(results.first?.failures.first)
        #expect(
            failure.diff == [
                "- {client_id=\"d:o:t:s1\"} annotations {summary=\"gone\"}",
                "    annotation summary: expected \"gone\", got \"d:o:t:s1 offline for 10m\"",
            ]
        )
    }

    @Test func reconnectAtTheDeadlineInstantPreventsTheAlert() throws {
        let results = try run(
            """
              - name: reconnect at 11m
            \(offlineEvents)
                  - {at: 11m, client_id: "d:o:t:s1", action: connect}
                expect:
                  - {at: 11m, alerts: []}
                notifications: []
            """
        )
        #expect(results.first?.passed == true, "\(results.first?.failures ?? [])")
    }

    @Test func notificationsAreComparedInOrder() throws {
        let results = try run(
            """
              - name: wrong order
            \(offlineEvents)
                  - {at: 20m, client_id: "d:o:t:s1", action: connect}
                notifications:
                  - {at: 20m, state: resolved, labels: {alertname: device_offline}}
                  - {at: 11m, state: firing, labels: {alertname: device_offline}}
            """
        )
        let failure = try #require(results.first?.failures.first)
        #expect(failure.got.count == 2)
        #expect(failure.got.first?.hasPrefix("11m firing {alertname=\"device_offline\"") == true)
        #expect(failure.diff.count == 3)
        #expect(failure.diff.first == "- 20m resolved {alertname=\"device_offline\"}")
        #expect(failure.diff.dropFirst().first?.hasPrefix("  11m firing {alertname=") == true)
        #expect(failure.diff.last?.hasPrefix("+ 20m resolved {alertname=") == true)
    }

    @Test func matchingPairsEachExpectedAlertWithItsOwnFiringAlert() {
        // Greedy pairing would give the first expectation the only alert the second can take.
        let firing = [
            Alert(
                labels: LabelSet(["a": "1", "b": "2"]),
                annotations: LabelSet(),
                rule: "r",
                state: .firing,
                activeSince: 0,
                startsAt: 0
            ),
            Alert(
                labels: LabelSet(["a": "1", "b": "3"]),
                annotations: LabelSet(),
                rule: "r",
                state: .firing,
                activeSince: 0,
                startsAt: 0
            ),
        ]
        let expected = [ExpectedAlert(labels: LabelSet(["a": "1"])), ExpectedAlert(labels: LabelSet(["b": "2"]))]
        let pairs = RuleTestRunner.assign(expected, firing) { $0.matches($1) }
        #expect(pairs == [1, 0])
        #expect(RuleTestRunner.compare(AlertExpectation(at: 0, alerts: expected), firing, start: 0) == nil)
        let one = AlertExpectation(at: 0, alerts: [expected[0]])
        #expect(RuleTestRunner.compare(one, firing, start: 0)?.diff.count == 1)
    }

    @Test func watsonIdsFillTheIdentity() throws {
        let suite = try RuleTestParser.parse(
            text: """
                rule_files: r.yaml
                tests:
                  - name: ids
                    events:
                      - {at: 0s, client_id: "g:org:gwtype:gw", action: connect}
                      - {at: 1s, client_id: "A:org:app", action: connect, time: 0s}
                      - {at: 1s, client_id: "plain", action: failed_connect, client_type: device, broker: b2}
                    expect: [{at: 1s, alerts: []}]
                """,
            file: "t.yaml"
        )
        let events = try #require(suite.tests.first?.events)
        #expect(suite.ruleFiles == [RuleFileReference(path: "r.yaml", line: 1, column: 13)])
        #expect(
            events[0].event.clientType == .gateway && events[0].event.typeID == "gwtype"
                && events[0].event.deviceID == "gw"
        )
        #expect(events[1].event.clientType == .scalableApplication && events[1].event.appID == "app")
        #expect(events[1].event.time == RuleTestCase.defaultStart && events[1].at == RuleTestCase.defaultStart + 1000)
        #expect(events[2].event.clientType == .device && events[2].broker == "b2")
    }

    @Test func problemsHavePositionsAndSuggestions() {
        let found = problems(
            """
            rule_files: [r.yaml]
            tests:
              - name: bad
                evnts: []
                expect:
                  - {at: 1m, alerts: [{labels: {a: b}}]}
                  - {alerts: []}
              - name: worse
                events:
                  - {at: 0s, client_id: x, action: disconect}
                  - {at: soon, client_id: x, action: connect, cause: kaboom}
                expect: [{at: 1m, alerts: []}]
            """
        )
        #expect(found.contains("t.yaml:4:5: unknown key 'evnts' in a test; did you mean 'events'?"))
        #expect(found.contains { $0.hasPrefix("t.yaml:7:9: an expectation needs 'at'") })
        #expect(
            found.contains {
                $0.hasPrefix("t.yaml:10:40: action 'disconect' is not one of")
                    && $0.hasSuffix("did you mean 'disconnect'?")
            }
        )
        #expect(found.contains { $0.hasPrefix("t.yaml:11:14: at 'soon' is not a duration") })
        #expect(found.contains { $0.hasPrefix("t.yaml:11:58: cause 'kaboom' is not one of") })
        #expect(problems("tests: [{name: x, expect: []}]").contains { $0.contains("names no rule_files") })
        #expect(
            problems("rule_files: r.yaml\ntests: [{name: x}]") == [
                "t.yaml:2:9: test 'x' checks nothing: give it 'expect' or 'notifications'"
            ]
        )
    }

    @Test func ruleFilesMayLackMQTTButMustOtherwiseBeValid() throws {
        let config = try RuleTestRunner.loadRules([("a.yaml", rulesText)])
        #expect(config.offlineRules.map(\.name) == ["device_offline"])
        #expect(config.defaults.startupGrace == 0)
        #expect(throws: ConfigError.self) {
            try RuleTestRunner.loadRules([("a.yaml", rulesText + "\n    for: 10x\n")])
        }
        do {
            _ = try RuleTestRunner.loadRules([("a.yaml", rulesText), ("b.yaml", rulesText)])
            Issue.record("a rule defined twice was accepted")
        } catch {
            #expect(error.problems.map(\.message) == ["rule 'device_offline' is also defined in a.yaml"])
        }
    }

    @Test func startupGraceOverrideAndDefault() throws {
        let graceRules = rulesText.replacingOccurrences(of: "startup_grace: 0s", with: "startup_grace: 20m")
        let tests = """
              - name: grace from the rule file
            \(offlineEvents)
                expect:
                  - {at: 19m59s, alerts: []}
                  - {at: 20m, alerts: [{labels: {alertname: device_offline}}]}
              - name: grace overridden
                startup_grace: 0s
            \(offlineEvents)
                expect:
                  - {at: 11m, alerts: [{labels: {alertname: device_offline}}]}
            """
        let results = try run(tests, rules: graceRules)
        #expect(results.map(\.passed) == [true, true], "\(results)")
    }

    @Test func changesOfOneInstantMayBeListedInAnyOrder() throws {
        let twoClients = """
                startup_grace: 0s
                events:
                  - {at: 0s, client_id: "d:o:t:a", action: disconnect}
                  - {at: 0s, client_id: "d:o:t:b", action: disconnect}
            """
        let results = try run(
            """
              - name: b listed first
            \(twoClients)
                notifications:
                  - {at: 10m, state: firing, labels: {client_id: "d:o:t:b"}}
                  - {at: 10m, state: firing, labels: {client_id: "d:o:t:a"}}
              - name: a listed first
            \(twoClients)
                notifications:
                  - {at: 10m, state: firing, labels: {client_id: "d:o:t:a"}}
                  - {at: 10m, state: firing, labels: {client_id: "d:o:t:b"}}
              - name: one missing
            \(twoClients)
                notifications:
                  - {at: 10m, state: firing, labels: {client_id: "d:o:t:b"}}
            """
        )
        #expect(results.map(\.passed) == [true, true, false], "\(results)")
        #expect(results.last?.failures.first?.diff.last?.contains("client_id=\"d:o:t:a\"") == true)
    }

    @Test func aChangeIsTimedWhenTheEngineEmitsIt() throws {
        // The disconnect arrives at 20m but says it happened at 1m: the alert is due at 11m, but
        // the daemon could only have sent it at 20m.
        let results = try run(
            """
              - name: late disconnect
                events:
                  - {at: 0s, client_id: "d:o:t:s1", action: connect}
                  - {at: 20m, time: 1m, client_id: "d:o:t:s1", action: disconnect}
                expect:
                  - {at: 19m59s, alerts: []}
                  - {at: 20m, alerts: [{labels: {alertname: device_offline}}]}
                notifications:
                  - {at: 20m, state: firing, labels: {alertname: device_offline}}
            """
        )
        #expect(results.first?.passed == true, "\(results)")
    }

    @Test func sequenceDiffShowsOneExtraChangeAsOneLine() {
        let steps = RuleTestRunner.sequenceDiff([1, 3], [1, 2, 3]) { $0 == $1 }
        #expect(steps == [.same(0, 0), .extra(1), .same(1, 2)])
        #expect(RuleTestRunner.sequenceDiff([1, 2], [2]) { $0 == $1 } == [.missing(0), .same(1, 0)])
        #expect(RuleTestRunner.sequenceDiff([Int](), [Int]()) { $0 == $1 } == [])
    }

    @Test func offsetsAreFormattedExactly() {
        #expect(RuleTestRunner.formatOffset(0) == "0s")
        #expect(RuleTestRunner.formatOffset(659_000) == "10m59s")
        #expect(RuleTestRunner.formatOffset(3_630_000) == "1h0m30s")
        #expect(RuleTestRunner.formatOffset(3_600_000) == "1h")
        #expect(RuleTestRunner.formatOffset(1500) == "1s500ms")
    }
}
