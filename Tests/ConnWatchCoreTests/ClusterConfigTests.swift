import Foundation
import Testing

@testable import ConnWatchCore

private func load(receiver: String, defaults: String = "") throws(ConfigError) -> ConnWatchConfig {
    let text = """
        mqtt:
          - name: main
            url: mqtt://127.0.0.1:1883
            subscriptions:
              - topic: iot-2/type/+/id/+/mon
                format: watson-iot
        defaults:
          receivers: [am]
        \(defaults)
        receivers:
          - name: am
        \(receiver)
        rules:
          - name: sensor_offline
            kind: offline
            for: 1m
            labels: {team: field}
            match: {client_type: device}
          - name: site_override
            kind: offline
            for: 1m
            labels: {site: other}
            match: {client_type: device}
        """
    return try ConfigLoader.load(text: text, file: "rules.yaml")
}

private func problems(receiver: String, defaults: String = "") -> [String] {
    do {
        _ = try load(receiver: receiver, defaults: defaults)
        return []
    } catch {
        return error.problems.map(\.description)
    }
}

/// Running more than one connwatch: an `alertmanager` receiver's cluster peers (`urls:`) and the
/// site-wide `defaults.external_labels`.
@Suite struct ClusterConfigTests {
    @Test func peersAreRead() throws {
        let config = try load(
            receiver: "    type: alertmanager\n    urls: [http://am-1:9093, 'https://am-2:9093/prefix']"
        )
        let receiver = try #require(config.receivers.first)
        #expect(receiver.peerURLs == ["http://am-1:9093", "https://am-2:9093/prefix"])
        #expect(receiver.url == nil)
    }

    @Test func badAndDuplicatePeersAreReportedAtTheirEntry() {
        let found = problems(
            receiver: """
                    type: alertmanager
                    urls:
                      - http://am-1:9093
                      - am-2:9093
                      - http://AM-1:9093/
                """
        )
        #expect(
            found.contains { $0.hasPrefix("rules.yaml:15:") && $0.contains("peer url 'am-2:9093' must be an http") },
            "\(found)"
        )
        #expect(
            found.contains { $0.hasPrefix("rules.yaml:16:") && $0.contains("'http://AM-1:9093/' is listed twice") },
            "\(found)"
        )
    }

    @Test func peersAreOnlyForAlertmanagerAndNotBesideURL() {
        let webhook = problems(receiver: "    type: webhook\n    urls: [http://a:1/x, http://b:1/x]")
        #expect(
            webhook.contains { $0.contains("urls (peers of a cluster) is only for type alertmanager") },
            "\(webhook)"
        )
        let both = problems(receiver: "    type: alertmanager\n    url: http://a:9093\n    urls: [http://b:9093]")
        #expect(both.contains { $0.contains("needs exactly one of url, urls, url_file and url_credential") }, "\(both)")
        let empty = problems(receiver: "    type: alertmanager\n    urls: []")
        #expect(empty.contains { $0.contains("urls lists no Alertmanager peers") }, "\(empty)")
    }

    @Test func externalLabelsAreOnEveryRuleAndARulesOwnWins() throws {
        let config = try load(
            receiver: "    type: alertmanager\n    url: http://am:9093",
            defaults: "  external_labels: {site: lab, region: eu}"
        )
        #expect(config.defaults.externalLabels == LabelSet(["site": "lab", "region": "eu"]))
        let offline = Dictionary(uniqueKeysWithValues: config.offlineRules.map { ($0.name, $0.labels) })
        #expect(offline["sensor_offline"] == LabelSet(["team": "field", "site": "lab", "region": "eu"]))
        #expect(offline["site_override"] == LabelSet(["site": "other", "region": "eu"]))
    }

    /// The built-in `feed_down` alert has no rule, yet carries the external labels too: two instances
    /// that lose the broker at different times raise one alert for Alertmanager (same labels, same
    /// fingerprint).
    @Test func feedDownCarriesTheExternalLabelsAndIsTheSameAlertFromEveryInstance() throws {
        let config = try load(
            receiver: "    type: alertmanager\n    url: http://am:9093",
            defaults: "  external_labels: {site: lab, region: eu}\n  feed_down_after: 1m"
        )
        let t0: Int64 = 1_790_000_000_000
        var alerts: [Alert] = []
        for (start, lost) in [(t0, t0 + 5000), (t0 + 700, t0 + 9000)] {
            let engine = Engine(configuration: config.engine, startTime: start)
            var changes: [AlertChange] = []
            engine.feedDown("main", reason: "connection lost", at: lost)
            engine.advance(to: lost + 60_000, into: &changes)
            alerts += changes.map(\.alert).filter { $0.rule == "feed_down" }
        }
        try #require(alerts.count == 2, "\(alerts)")
        #expect(
            alerts[0].labels
                == LabelSet([
                    "alertname": "feed_down", "severity": "critical", "broker": "main", "site": "lab", "region": "eu",
                ])
        )
        #expect(alerts[0].labels == alerts[1].labels)
        #expect(alerts[0].fingerprint == alerts[1].fingerprint)
    }

    @Test func externalLabelsConnWatchSetsItselfAreRefused() {
        let found = problems(
            receiver: "    type: alertmanager\n    url: http://am:9093",
            defaults: "  external_labels: {broker: b1, severity: low, 'bad-name': x}"
        )
        #expect(found.contains { $0.contains("external label 'broker' is set by connwatch") }, "\(found)")
        #expect(found.contains { $0.contains("external label 'severity' is set by connwatch") }, "\(found)")
        #expect(found.contains { $0.contains("label name 'bad-name' must match") }, "\(found)")
    }
}
