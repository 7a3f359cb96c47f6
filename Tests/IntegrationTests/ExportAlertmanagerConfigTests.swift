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
            """
            mqtt:
              - name: main
                url: mqtt://127.0.0.1:1883
                subscriptions:
                  - topic: iot-2/type/+/id/+/mon
                    format: watson-iot
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
}
