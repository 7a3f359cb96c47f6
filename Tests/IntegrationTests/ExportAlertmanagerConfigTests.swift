import ConnWatchTestSupport
import Foundation
import Testing

/// `connwatch export alertmanager-config` against Alertmanager's own `amtool`: the configuration is
/// accepted, routes each rule's alerts to the receivers connwatch would, and carries no secret.
@Suite(.timeLimit(.minutes(2))) struct ExportAlertmanagerConfigTests {
    /// `amtool` with `arguments`; its exit status and output.
    private func amtool(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/amtool")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        defer { try? pipe.fileHandleForReading.close() }
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        _ = process.waitForExit(timeout: .seconds(30))
        return (process.exitStatus ?? -1, String(decoding: data, as: UTF8.self))
    }

    @Test func amtoolAcceptsTheExportAndRoutesAsConnWatchDoes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        _ = try dir.write("pd-key", "R0UT1NG")
        let config = try dir.write(
            "rules.yaml",
            Self.mqtt + """
                defaults:
                  receivers: [ops, chat]
                  group_by: ["..."]
                  group_wait: 1500ms
                receivers:
                  - {name: ops, type: webhook, url: 'http://127.0.0.1:9095/alerts', max_alerts: 5}
                  - {name: chat, type: slack, url: 'https://hooks.slack.com/services/T0/B0/S3CR3T'}
                  - {name: oncall, type: pagerduty, routing_key_file: pd-key}
                  - {name: phone, type: ntfy, url: 'https://ntfy.example.com/alerts'}
                rules:
                  - name: pump_offline
                    kind: offline
                    for: 1m
                    match: {type_id: pump}
                    receivers: [oncall, ops]
                  - name: sensor_offline
                    kind: offline
                    for: 1m
                    match: {type_id: sensor}
                    receivers: [phone]
                  - name: any_offline
                    kind: offline
                    for: 5m
                    match: {client_type: device}
                """
        )
        let result = try runConnWatch(["export", "alertmanager-config", "--config", config])
        #expect(result.status == 0, "\(result.stderr)")
        let exported = try dir.write("alertmanager.yml", result.stdout)
        let check = try amtool(["check-config", exported])
        #expect(check.status == 0, "amtool:\n\(check.output)\nexport:\n\(result.stdout)")
        #expect(!result.stdout.contains("S3CR3T"), "a secret was copied:\n\(result.stdout)")
        #expect(!result.stdout.contains("R0UT1NG"), "a secret was copied:\n\(result.stdout)")
        #expect(result.stdout.contains("routing_key_file: \"\(dir.path)/pd-key\""), "\(result.stdout)")
        #expect(result.stdout.contains("# ntfy: not exported"), "\(result.stdout)")
        #expect(result.stdout.contains("group_wait: 1500ms"), "\(result.stdout)")
        for (alertname, receivers) in [
            ("pump_offline", "oncall,ops"), ("sensor_offline", "phone"), ("any_offline", "ops,chat"),
            ("feed_down", "ops,chat"),
        ] {
            let routed = try amtool(["config", "routes", "test", "--config.file=\(exported)", "alertname=\(alertname)"])
            let names = routed.output.split(separator: "\n").last.map(String.init) ?? ""
            #expect(names == receivers, "\(alertname): \(routed.output)")
        }
    }

    /// Inhibit rules become `inhibit_rules`, maintenance windows `time_intervals` muting the routes
    /// (a window across midnight in two parts, the morning on the next days), and amtool accepts it.
    @Test func inhibitRulesAndMaintenanceWindowsAreExported() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let config = try dir.write(
            "rules.yaml",
            Self.configuration(
                hookURL: "http://127.0.0.1:9095",
                windows: """
                      - {name: nightly, start: "22:00", end: "02:00", weekdays: [fri:sun], location: Europe/Berlin}
                      - {name: pumps, start: "00:00", end: "24:00", matchers: ['type_id="pump"']}
                    """
            )
        )
        let result = try runConnWatch(["export", "alertmanager-config", "--config", config])
        #expect(result.status == 0, "\(result.stderr)")
        let exported = try dir.write("alertmanager.yml", result.stdout)
        let check = try amtool(["check-config", exported])
        #expect(check.status == 0, "amtool:\n\(check.output)\nexport:\n\(result.stdout)")
        #expect(check.output.contains("1 inhibit rules"), "\(check.output)")
        let expected = [
            """
            inhibit_rules:
              # broker down
              - source_matchers: ["alertname=\\"feed_down\\""]
                target_matchers: ["alertname=~\\".*_offline\\""]
                equal: ["broker"]
            """,
            """
              - name: "nightly"
                time_intervals:
                  - times: [{start_time: "22:00", end_time: "24:00"}]
                    weekdays: ["friday", "saturday", "sunday"]
                    location: "Europe/Berlin"
                  - times: [{start_time: "00:00", end_time: "02:00"}]
                    weekdays: ["monday", "saturday", "sunday"]
                    location: "Europe/Berlin"
              - name: "pumps"
                time_intervals:
                  - times: [{start_time: "00:00", end_time: "24:00"}]
            """,
            """
                - receiver: "hook"
                  mute_time_intervals: ["nightly"]
                  routes:
                    - matchers: ["type_id=\\"pump\\""]
                      mute_time_intervals: ["pumps", "nightly"]
            """,
        ]
        for text in expected { #expect(result.stdout.contains(text), "missing:\n\(text)\nin:\n\(result.stdout)") }
    }

    /// The export loaded into a real Alertmanager mutes and inhibits what connwatch would: an alert a
    /// window open now selects is not notified, one it does not select is; an alert whose broker's
    /// `feed_down` fires is inhibited; a window on another day mutes nothing.
    @Test func alertmanagerWithTheExportMutesAndInhibitsAsConnWatchDoes() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let hook = try TestHTTPServer()
        defer { hook.stop() }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let later = calendar.date(byAdding: .day, value: 2, to: Date()) ?? Date()
        let otherDay = calendar.weekdaySymbols[calendar.component(.weekday, from: later) - 1].lowercased()
        let config = try dir.write(
            "rules.yaml",
            Self.configuration(
                hookURL: hook.url,
                windows: """
                      - {name: pumps, start: "00:00", end: "24:00", matchers: ['type_id="pump"']}
                      - {name: elsewhen, start: "00:00", end: "24:00", weekdays: [\(otherDay)]}
                    """
            )
        )
        let result = try runConnWatch(["export", "alertmanager-config", "--config", config])
        try #require(result.status == 0, "\(result.stderr)")
        let alertmanager = try TestAlertmanager(configuration: result.stdout)
        defer { alertmanager.stop() }
        func alert(_ labels: [String: String]) -> [String: Any] { ["labels": labels] }
        let alerts = [
            alert(["alertname": "sensor_offline", "client_id": "s1", "type_id": "sensor", "broker": "main"]),
            alert(["alertname": "sensor_offline", "client_id": "p1", "type_id": "pump", "broker": "main"]),
            alert(["alertname": "sensor_offline", "client_id": "s2", "type_id": "sensor", "broker": "other"]),
            alert(["alertname": "feed_down", "broker": "other"]),
        ]
        let posted = try alertmanager.post(
            "/api/v2/alerts",
            json: Array(JSONSerialization.data(withJSONObject: alerts))
        )
        try #require(posted.status == 200, "\(String(decoding: posted.body, as: UTF8.self))")
        func told() -> Set<String> {
            Set(
                hook.requests.flatMap { request -> [String] in
                    let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]
                    return (object?["alerts"] as? [[String: Any]] ?? []).map {
                        let labels = $0["labels"] as? [String: String] ?? [:]
                        return labels["client_id"] ?? labels["alertname"] ?? "?"
                    }
                }
            )
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline && !told().isSuperset(of: ["s1", "feed_down"]) {
            try await Task.sleep(for: .milliseconds(100))
        }
        // Three more group intervals for a muted or inhibited alert to slip through.
        try await Task.sleep(for: .seconds(3))
        #expect(told() == ["s1", "feed_down"], "alertmanager log:\n\(alertmanager.logContents().suffix(3000))")
    }

    /// One broker with a Watson IoT subscription.
    private static let mqtt = """
        mqtt:
          - name: main
            url: mqtt://127.0.0.1:1883
            subscriptions:
              - topic: iot-2/type/+/id/+/mon
                format: watson-iot

        """

    /// A configuration with one webhook receiver `hook` at `hookURL`, an inhibit rule (a broker's
    /// `feed_down` inhibits its clients' offline alerts) and the maintenance windows `windows`.
    private static func configuration(hookURL: String, windows: String) -> String {
        Self.mqtt + """
            defaults:
              receivers: [hook]
              group_by: [client_id, alertname]
              group_wait: 1s
              group_interval: 1s
            receivers:
              - {name: hook, type: webhook, url: '\(hookURL)/alerts'}
            rules:
              - {name: sensor_offline, kind: offline, for: 1m}
            inhibit:
              - name: broker down
                source_matchers: ['alertname="feed_down"']
                target_matchers: ['alertname=~".*_offline"']
                equal: [broker]
            maintenance:
            \(windows)
            """
    }
}
