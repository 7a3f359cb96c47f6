import ConnWatchTestSupport
import Foundation
import Testing

/// `connwatch export alertmanager-config` behind an active-active setup: the export, loaded into
/// both peers of a real two-peer Alertmanager cluster fed by two connwatch instances, delivers what
/// one connwatch delivers directly from the same file: the same notifications, once each, to the
/// same receiver, with the same grouping.
@Suite(.serialized, .timeLimit(.minutes(3))) struct HighAvailabilityExportTests {
    /// What both payloads carry (connwatch's webhook body is Alertmanager's version 4): the
    /// receiver, the status, the group labels and each alert's status and labels. `startsAt`,
    /// `groupKey`, annotations and URLs are left out: they differ by design or by clock.
    struct Told: Hashable, CustomStringConvertible {
        var receiver: String
        var status: String
        var groupLabels: [String: String]
        var alerts: Set<[String: String]>

        init?(_ body: [UInt8]) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
                return nil
            }
            receiver = object["receiver"] as? String ?? "?"
            status = object["status"] as? String ?? "?"
            groupLabels = object["groupLabels"] as? [String: String] ?? [:]
            alerts = Set(
                (object["alerts"] as? [[String: Any]] ?? []).map { alert in
                    (alert["labels"] as? [String: String] ?? [:]).merging(
                        ["(status)": alert["status"] as? String ?? "?"],
                        uniquingKeysWith: { label, _ in label }
                    )
                }
            )
        }

        var description: String {
            let labels = alerts.map { $0.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }.joined(separator: ",") }
            return "\(receiver) \(status) \(groupLabels.sorted { $0.key < $1.key }) \(labels.sorted())"
        }
    }

    /// One broker, receiver `chat` (`receiverKeys`: its keys after the name, indented by four)
    /// for every alert, grouped by rule and device type, and one offline rule for devices.
    static func configuration(brokerPort: Int, receiverKeys: String) -> String {
        apiSection(port: nil) + """
            mqtt:
              name: plant
              url: mqtt://127.0.0.1:\(brokerPort)
              keepalive: 5s
              subscriptions:
                - topic: iot-2/type/+/id/+/mon
                  format: watson-iot
            defaults:
              startup_grace: 0
              receivers: [chat]
              group_by: [alertname, type_id]
              group_wait: 1s
              group_interval: 1s
            receivers:
              - name: chat
            \(receiverKeys)
            rules:
              - {name: device_offline, kind: offline, for: 1s, match: {client_type: device}, receivers: [chat]}
            """
    }

    /// The notifications the webhook got under `path`.
    func told(_ rig: ShardRig, at path: String) -> [Told] {
        rig.hook.requests.filter { $0.path.hasPrefix(path) }.compactMap { Told($0.body) }
    }

    /// Two sensors and a pump go offline: two groups (`type_id` sensor and pump).
    func takeOffline(_ rig: ShardRig) throws {
        try rig.goOffline("x1")
        try rig.goOffline("x2")
        try rig.goOffline("x3", type: "pump")
    }

    @Test func theExportDeliversWhatOneConnWatchDeliversDirectly() async throws {
        let rig = try ShardRig()
        defer { rig.stop() }

        // One connwatch notifying the webhook itself.
        let direct = try await rig.start(
            configuration: Self.configuration(
                brokerPort: rig.broker.port,
                receiverKeys: "    type: webhook\n    url: \(rig.hook.url)/direct/alerts"
            )
        )
        try takeOffline(rig)
        let directArrived = try await rig.wait { told(rig, at: "/direct").count >= 2 }
        try #require(directArrived, "direct: \(told(rig, at: "/direct"))\n\(rig.logs)")
        // Two more group intervals for a notification it should not send.
        try await Task.sleep(for: .seconds(2))
        direct.stop()
        let expected = told(rig, at: "/direct")
        #expect(expected.count == 2, "one notification per group: \(expected)")
        #expect(Set(expected.map(\.groupLabels.count)) == [2], "grouped by alertname and type_id: \(expected)")

        // The same file with the webhook at /cluster, exported for Alertmanager; secrets would be
        // `*_file` references, but a webhook URL is written inline (webhook_configs has no url_file).
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try dir.write(
            "rules.yaml",
            Self.configuration(
                brokerPort: rig.broker.port,
                receiverKeys: "    type: webhook\n    url: \(rig.hook.url)/cluster/alerts"
            )
        )
        let export = try runConnWatch(["export", "alertmanager-config", "--config", file])
        try #require(export.status == 0, "\(export.stderr)")
        let gossip = [try FreePort.loopback(), try FreePort.loopback()]
        let alertmanagers = try (0..<2).map { index in
            try TestAlertmanager(
                configuration: export.stdout,
                cluster: .init(port: gossip[index], peerPorts: [gossip[1 - index]])
            )
        }
        defer { for alertmanager in alertmanagers { alertmanager.stop() } }
        let joined = try await rig.wait { alertmanagers.allSatisfy { (try? $0.clusterPeerCount()) == 2 } }
        try #require(joined, "the Alertmanager peers did not join:\n\(alertmanagers[0].logContents().suffix(3000))")

        // Two instances with `chat` posting to both peers, the rest of the file unchanged.
        let cluster =
            "    type: alertmanager\n    urls: [\(alertmanagers[0].url), \(alertmanagers[1].url)]\n"
            + "    resend_interval: 2s"
        let instances = [
            try await rig.start(configuration: Self.configuration(brokerPort: rig.broker.port, receiverKeys: cluster)),
            try await rig.start(configuration: Self.configuration(brokerPort: rig.broker.port, receiverKeys: cluster)),
        ]
        try takeOffline(rig)
        // Until every alert told directly was told through the cluster, however grouped.
        let clusterArrived = try await rig.wait(.seconds(40)) {
            Set(told(rig, at: "/cluster").flatMap(\.alerts)).isSuperset(of: expected.flatMap(\.alerts))
        }
        let logs = alertmanagers.map { $0.logContents().suffix(3000) }.joined(separator: "\n---\n")
        try #require(clusterArrived, "cluster: \(told(rig, at: "/cluster"))\nexport:\n\(export.stdout)\n\(logs)")

        // Time for a duplicate: every instance posts to every peer four more times (each peer waits
        // 3 s per position in the cluster before it notifies; connwatch re-posts every 2 s).
        let peers = ["chat[1]", "chat[2]"]
        let before = instances.map { instance in peers.map { instance.deliveries(to: $0) } }
        let posted = try await rig.wait(.seconds(60)) {
            zip(instances, before).allSatisfy { instance, counts in
                zip(peers, counts).allSatisfy { instance.deliveries(to: $0) >= $1 + 4 }
            }
        }
        #expect(posted, "an instance stopped posting to a peer:\n\(rig.logs)")
        let delivered = told(rig, at: "/cluster")
        #expect(delivered.count == 2, "one notification per group: \(delivered)\nexport:\n\(export.stdout)")
        let lines = { (told: [Told]) in told.map(\.description).joined(separator: "\n") }
        #expect(
            Set(delivered) == Set(expected),
            "directly:\n\(lines(expected))\nthrough the cluster:\n\(lines(delivered))\nexport:\n\(export.stdout)"
        )
    }
}
