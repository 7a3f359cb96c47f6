import ConnWatchTestSupport
import Foundation
import Synchronization
import Testing

/// Two connwatch instances watching the same Mosquitto feed, each posting every alert to both
/// peers of a real two-peer Alertmanager cluster, which deduplicates: the people behind Alertmanager
/// hear of an offline client once, also after one connwatch instance and then one Alertmanager peer
/// is killed with SIGKILL.
@Suite(.serialized, .timeLimit(.minutes(4))) struct HighAvailabilityTests {
    /// Alertmanager's downstream notifications: for each, its firing alerts as `client_id` and the
    /// labels of the first one.
    private final class Downstream: Sendable {
        let firing = Mutex<[[String]]>([])
        let labels = Mutex<[[String: String]]>([])

        func record(_ body: [UInt8]) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return }
            let alerts = (object["alerts"] as? [[String: Any]] ?? []).filter { $0["status"] as? String == "firing" }
            let clients = alerts.map { ($0["labels"] as? [String: String])?["client_id"] ?? "?" }
            firing.withLock { $0.append(clients) }
            labels.withLock { $0 += alerts.map { $0["labels"] as? [String: String] ?? [:] } }
        }

        /// How many notifications told of `client` firing.
        func notifications(of client: String) -> Int {
            firing.withLock { $0.filter { $0.contains(client) }.count }
        }
    }

    /// How many posts `daemon` delivered to peer `peer` (1 or 2) of its receiver `hook`.
    private func deliveries(_ daemon: DaemonProcess, peer: Int) -> Int {
        daemon.deliveries(to: "hook[\(peer)]")
    }

    /// Waits until `condition` holds, at most `timeout`; the condition's last value.
    private func wait(
        _ timeout: Duration = .seconds(30),
        until condition: () throws -> Bool
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try condition()
    }

    /// After the first notification of a client downstream, waits until every live instance has
    /// posted to every live peer `rounds` more times — time for a second peer's or instance's
    /// duplicate to reach the webhook (each peer waits 3 s per position in the cluster before it
    /// notifies, and connwatch posts every 2 s) — then requires exactly one notification.
    private func expectExactlyOneNotification(
        of client: String,
        downstream: Downstream,
        instances: [DaemonProcess],
        peers: [Int],
        rounds: Int = 4,
        alertmanagers: [TestAlertmanager],
        wentOffline started: ContinuousClock.Instant
    ) async throws {
        let arrived = try await wait(.seconds(40)) { downstream.notifications(of: client) >= 1 }
        let logs = alertmanagers.map { $0.logContents().suffix(3000) }.joined(separator: "\n---\n")
        try #require(arrived, "no notification of \(client) downstream; alertmanager logs:\n\(logs)")
        let arrival = ContinuousClock.now - started
        let before = instances.map { instance in peers.map { deliveries(instance, peer: $0) } }
        let posted = try await wait(.seconds(60)) {
            zip(instances, before).allSatisfy { instance, counts in
                zip(peers, counts).allSatisfy { deliveries(instance, peer: $0) >= $1 + rounds }
            }
        }
        #expect(posted, "an instance stopped posting to a live peer:\n\(instances.map { $0.log.suffix(3000) })")
        #expect(
            downstream.notifications(of: client) == 1,
            "\(client) was told \(downstream.notifications(of: client)) times: \(downstream.firing.withLock { $0 })"
        )
        print("HA: \(client) reached the webhook \(arrival) after it went offline (rule for: 1s)")
    }

    @Test func oneNotificationThroughAnInstanceAndAPeerKilled() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        let hook = try TestHTTPServer()
        defer { hook.stop() }
        let downstream = Downstream()
        hook.setResponder { request in
            downstream.record(request.body)
            return .ok
        }
        let gossip = [try FreePort.loopback(), try FreePort.loopback()]
        func peer(_ index: Int) throws -> TestAlertmanager {
            try TestAlertmanager(
                webhookURL: hook.url + "/am",
                groupBy: ["alertname", "client_id"],
                groupWait: "1s",
                groupInterval: "1s",
                cluster: .init(port: gossip[index], peerPorts: [gossip[1 - index]])
            )
        }
        let alertmanagers = [try peer(0), try peer(1)]
        defer { for alertmanager in alertmanagers { alertmanager.stop() } }
        let joined = try await wait {
            try alertmanagers.allSatisfy { try $0.clusterPeerCount() == 2 }
        }
        try #require(joined, "the Alertmanager peers did not join:\n\(alertmanagers[0].logContents().suffix(3000))")

        let receiver =
            "    type: alertmanager\n    urls: [\(alertmanagers[0].url), \(alertmanagers[1].url)]\n"
            + "    resend_interval: 2s"
        var instances: [DaemonProcess] = []
        var directories: [TemporaryDirectory] = []
        defer {
            for instance in instances { instance.stop() }
            for directory in directories { directory.remove() }
        }
        for _ in 0..<2 {
            let dir = try TemporaryDirectory()
            directories.append(dir)
            let config = daemonConfig(brokerPort: broker.port, hookURL: hook.url, forDuration: "1s", receiver: receiver)
                .replacingOccurrences(of: "  startup_grace:", with: "  external_labels: {site: lab}\n  startup_grace:")
            let path = try dir.write("rules.yaml", config)
            let instance = try DaemonProcess(config: path, directory: dir.path)
            instances.append(instance)
            #expect(await instance.waitForLog("broker connected"), "log:\n\(instance.log)")
        }

        func goOffline(_ id: String) throws {
            for action in ["Connect", "Disconnect"] {
                let status = watsonStatus(id, action, closeCode: action == "Disconnect" ? 160 : nil)
                try broker.publish(topic: status.topic, payload: status.payload)
            }
        }

        // Both instances alert on the same client: Alertmanager sees one alert (same labels, same
        // fingerprint: no label tells the instances apart) and notifies once.
        let ha1Offline = ContinuousClock.now
        try goOffline("ha1")
        for instance in instances {
            #expect(await instance.waitForLog("alert firing"), "log:\n\(instance.log)")
        }
        try await expectExactlyOneNotification(
            of: "d:org1:sensor:ha1",
            downstream: downstream,
            instances: instances,
            peers: [1, 2],
            alertmanagers: alertmanagers,
            wentOffline: ha1Offline
        )
        for alertmanager in alertmanagers {
            let held = try alertmanager.activeAlerts().filter {
                ($0["labels"] as? [String: String])?["client_id"] == "d:org1:sensor:ha1"
            }
            #expect(held.count == 1, "one alert per client in each peer: \(held)")
        }
        let labels = downstream.labels.withLock { $0.first { $0["client_id"] == "d:org1:sensor:ha1" } }
        #expect(labels?["site"] == "lab", "external label missing: \(String(describing: labels))")

        // One instance crashes: the other still alerts, once.
        instances[0].killHard()
        let ha2Offline = ContinuousClock.now
        try goOffline("ha2")
        try await expectExactlyOneNotification(
            of: "d:org1:sensor:ha2",
            downstream: downstream,
            instances: [instances[1]],
            peers: [1, 2],
            alertmanagers: alertmanagers,
            wentOffline: ha2Offline
        )

        // One Alertmanager peer crashes: the other notifies, once; the instance keeps posting to it.
        alertmanagers[0].kill()
        let ha3Offline = ContinuousClock.now
        try goOffline("ha3")
        try await expectExactlyOneNotification(
            of: "d:org1:sensor:ha3",
            downstream: downstream,
            instances: [instances[1]],
            peers: [2],
            alertmanagers: [alertmanagers[1]],
            wentOffline: ha3Offline
        )
        #expect(downstream.notifications(of: "d:org1:sensor:ha1") == 1)
        #expect(downstream.notifications(of: "d:org1:sensor:ha2") == 1)
    }
}
