import ConnWatchCore
import ConnWatchTestSupport
import Foundation
import Synchronization
import Testing

/// The `alertmanager` receiver against a real Prometheus Alertmanager (Debian's package), started on a
/// free loopback port with clustering off and a short `resolve_timeout`.
@Suite(.serialized, .timeLimit(.minutes(3))) struct AlertmanagerTests {
    /// Alertmanager's downstream notifications, as (status, alertname and client of each alert).
    private final class Downstream: Sendable {
        let received = Mutex<[(status: String, alerts: [String])]>([])

        func record(_ body: [UInt8]) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return }
            let alerts = (object["alerts"] as? [[String: Any]] ?? []).map { alert in
                let labels = alert["labels"] as? [String: String] ?? [:]
                return "\(alert["status"] as? String ?? "?"):\(labels["client_id"] ?? "?")"
            }
            received.withLock { $0.append((object["status"] as? String ?? "?", alerts)) }
        }

        var resolvedAlerts: [String] {
            received.withLock { $0.flatMap(\.alerts).filter { $0.hasPrefix("resolved:") } }
        }
    }

    private func isActive(_ alertmanager: TestAlertmanager, client: String) throws -> Bool {
        try alertmanager.activeAlerts().contains { alert in
            let labels = alert["labels"] as? [String: String] ?? [:]
            return labels["alertname"] == "sensor_offline" && labels["client_id"] == client
        }
    }

    /// A client that stays offline keeps its alert active in Alertmanager far beyond
    /// `resolve_timeout` and 4 × `resend_interval` (connwatch re-posts it with a fresh `endsAt`), and
    /// Alertmanager sends no false "resolved" downstream; when the client returns, the alert ends.
    @Test func anOfflineClientStaysActiveInAlertmanagerUntilItReturns() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let broker = try TestBroker()
        defer { broker.stop() }
        let downstreamHook = try TestHTTPServer()
        defer { downstreamHook.stop() }
        let downstream = Downstream()
        downstreamHook.setResponder { request in
            downstream.record(request.body)
            return .ok
        }
        let alertmanager = try TestAlertmanager(webhookURL: downstreamHook.url + "/am", resolveTimeout: "3s")
        defer { alertmanager.stop() }
        let configPath = try dir.write(
            "rules.yaml",
            daemonConfig(
                brokerPort: broker.port,
                hookURL: alertmanager.url,
                forDuration: "1s",
                receiver: "    type: alertmanager\n    url: \(alertmanager.url)\n    resend_interval: 2s"
            )
        )
        let daemon = try DaemonProcess(config: configPath, directory: dir.path)
        defer { daemon.stop() }
        #expect(await daemon.waitForLog("broker connected"), "log:\n\(daemon.log)")
        let client = "d:org1:sensor:am1"
        for action in ["Connect", "Disconnect"] {
            let status = watsonStatus("am1", action, closeCode: action == "Disconnect" ? 160 : nil)
            try broker.publish(topic: status.topic, payload: status.payload)
        }
        #expect(await daemon.waitForLog("alert firing"), "log:\n\(daemon.log)")
        var deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline, try !isActive(alertmanager, client: client) {
            try await Task.sleep(for: .milliseconds(200))
        }
        try #require(try isActive(alertmanager, client: client), "alertmanager log:\n\(alertmanager.logContents())")

        // 20 s: over six resolve timeouts and twice the 8 s an unrepeated post would stay active.
        let held = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < held {
            let active = try isActive(alertmanager, client: client)
            #expect(active, "the alert ended in Alertmanager while the client is offline")
            if !active { break }
            try await Task.sleep(for: .seconds(1))
        }
        #expect(downstream.resolvedAlerts.isEmpty, "false resolved downstream: \(downstream.resolvedAlerts)")
        #expect(downstream.received.withLock { $0.count } >= 1, "Alertmanager notified nobody")

        let back = watsonStatus("am1", "Connect")
        try broker.publish(topic: back.topic, payload: back.payload)
        #expect(await daemon.waitForLog("alert resolved"), "log:\n\(daemon.log)")
        deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline, try isActive(alertmanager, client: client) {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(try !isActive(alertmanager, client: client), "the alert is still active after the client returned")
        deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline, downstream.resolvedAlerts.isEmpty {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(downstream.resolvedAlerts == ["resolved:\(client)"])
    }

    /// The `webhook` receiver's Alertmanager-shaped payload next to what a real Alertmanager sends
    /// its webhook for the same alerts grouped by the same labels: group key, group labels, common
    /// labels and annotations, each alert's fingerprint and status are identical.
    @Test func webhookPayloadMatchesWhatAlertmanagerSends() async throws {
        let downstreamHook = try TestHTTPServer()
        defer { downstreamHook.stop() }
        let received = Mutex<[Data]>([])
        downstreamHook.setResponder { request in
            received.withLock { $0.append(Data(request.body)) }
            return .ok
        }
        let groupBy = ["alertname", "type_id"]
        let alertmanager = try TestAlertmanager(webhookURL: downstreamHook.url + "/am", groupBy: groupBy)
        defer { alertmanager.stop() }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        func alert(_ client: String, _ type: String, quirk: String = "") -> Alert {
            Alert(
                labels: LabelSet([
                    "alertname": "device_offline", "client_id": client, "type_id": type, "severity": "warning",
                    "org_id": "org1", "note": "say \"hi\"\\ \(quirk)",
                ]),
                annotations: LabelSet(["summary": "offline", "runbook": "https://runbooks/\(type)"]),
                rule: "device_offline",
                state: .firing,
                activeSince: now - 120_000,
                startsAt: now - 60_000
            )
        }
        let alerts = [
            alert("d:org1:sensor:s1", "sensor"), alert("d:org1:sensor:s2", "sensor", quirk: "नमस्ते 👩‍💻"),
            alert("d:org1:pump:p1", "pump"),
        ]
        var receiver = ReceiverConfig(name: "hook", type: .alertmanager, url: alertmanager.url)
        receiver.resendInterval = 60_000
        let post = MessageRenderer.render(
            Notification(id: "n", receiver: "hook", alerts: alerts),
            receiver: receiver,
            context: RenderContext(url: alertmanager.url, externalURL: "http://connwatch", sentAt: now)
        )
        let answer = try alertmanager.post("/api/v2/alerts", json: post.body)
        #expect(answer.status == 200, "\(String(decoding: answer.body, as: UTF8.self))")
        // Alertmanager may store a posted batch's alerts over more than one group_wait on a loaded
        // machine and then notify a group twice: compare the latest notification of each group.
        func latestPerGroup() -> [[String: Any]] {
            var latest: [String: [String: Any]] = [:]
            for body in received.withLock({ $0 }) {
                guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else { continue }
                latest[object["groupKey"] as? String ?? ""] = object
            }
            return Array(latest.values)
        }
        func alertCount(_ payloads: [[String: Any]]) -> Int {
            payloads.reduce(0) { $0 + (($1["alerts"] as? [Any])?.count ?? 0) }
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline, alertCount(latestPerGroup()) < alerts.count {
            try await Task.sleep(for: .milliseconds(100))
        }
        let fromAlertmanager = latestPerGroup()
        try #require(fromAlertmanager.count == 2, "alertmanager log:\n\(alertmanager.logContents())")

        var pipeline = NotificationPipeline(
            options: GroupingOptions(groupBy: groupBy, groupWait: 0, groupInterval: 60_000, repeatInterval: 3_600_000),
            routes: { _ in [ReceiverRoute(receiver: "hook")] }
        )
        pipeline.receive(alerts.map { AlertChange(alert: $0) }, now: now)
        let ours = pipeline.advance(to: now).map { group in
            (try? JSONSerialization.jsonObject(
                with: Data(AlertmanagerWebhookPayload.render(group.notification, externalURL: "http://connwatch"))
            )) as? [String: Any] ?? [:]
        }
        try #require(ours.count == 2)
        func key(_ payload: [String: Any]) -> String { payload["groupKey"] as? String ?? "" }
        for theirs in fromAlertmanager {
            let mine = try #require(
                ours.first { key($0) == key(theirs) },
                "no group \(key(theirs)) in \(ours.map(key))"
            )
            for field in ["groupLabels", "commonLabels", "commonAnnotations"] {
                #expect(mine[field] as? [String: String] == theirs[field] as? [String: String], "\(field)")
            }
            for field in ["version", "status", "receiver"] {
                #expect(mine[field] as? String == theirs[field] as? String, "\(field)")
            }
            #expect(mine["truncatedAlerts"] as? Int == theirs["truncatedAlerts"] as? Int)
            func fingerprints(_ payload: [String: Any]) -> [String: String] {
                var result: [String: String] = [:]
                for alert in payload["alerts"] as? [[String: Any]] ?? [] {
                    let labels = alert["labels"] as? [String: String] ?? [:]
                    result[labels["client_id"] ?? ""] = "\(alert["fingerprint"] ?? "")/\(alert["status"] ?? "")"
                }
                return result
            }
            #expect(fingerprints(mine) == fingerprints(theirs))
        }
    }
}
