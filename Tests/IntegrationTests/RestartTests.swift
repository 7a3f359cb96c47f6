import ConnWatchTestSupport
import Foundation
import Testing

/// `kill -9` and a restart: state, alerts and the notification log come back from the store.
@Suite(.serialized, .timeLimit(.minutes(3))) struct RestartTests {
    /// The alerts of one webhook request: (status, device id, startsAt).
    private func alerts(_ request: RecordedRequest) -> [(status: String, device: String, startsAt: Date?)] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
            let alerts = object["alerts"] as? [[String: Any]]
        else { return [] }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return alerts.map { alert in
            let labels = alert["labels"] as? [String: String] ?? [:]
            return (
                alert["status"] as? String ?? "", labels["device_id"] ?? "",
                (alert["startsAt"] as? String).flatMap { formatter.date(from: $0) }
            )
        }
    }

    /// Waits until the query's answer is `expected`.
    private func waitFor(_ database: String, _ sql: String, _ expected: String) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if (try? sqliteQuery(database, sql)) == expected { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// Killed a moment into an 8 s offline rule: after the restart it fires 8 s after the
    /// disconnect, not 8 s after the restart — the client and its disconnect time came back from
    /// the store (the message is not retained: nothing else could tell the new process).
    @Test func aPendingOfflineRuleKeepsItsClockAcrossKill9() async throws {
        let rig = try DaemonRig(forDuration: "8s")
        defer { rig.stop() }
        let (dir, broker, hook, config) = (rig.dir, rig.broker, rig.hook, rig.config)
        let database = "\(dir.path)/state/connwatch.sqlite"
        var daemon = try DaemonProcess(config: config, directory: dir.path)
        #expect(await daemon.waitForLog("broker connected"), "log:\n\(daemon.log)")
        let disconnectedAt = Date()
        for (action, code) in [("Connect", nil), ("Disconnect", 160)] as [(String, Int?)] {
            let status = watsonStatus("r1", action, closeCode: code, time: disconnectedAt)
            try broker.publish(topic: status.topic, payload: status.payload)
        }
        #expect(
            try await waitFor(database, "select status from clients where device_id = 'r1'", "disconnected"),
            "log:\n\(daemon.log)"
        )
        daemon.killHard()
        try await Task.sleep(until: .now + .seconds(1))
        let restartedAt = Date()
        daemon = try DaemonProcess(config: config, directory: dir.path)
        defer { daemon.stop() }
        #expect(await daemon.waitForLog("state restored"), "log:\n\(daemon.log)")
        let requests = await hook.waitForRequests(count: 1, timeout: .seconds(20))
        let fired = requests.flatMap(alerts)
        #expect(fired.map(\.status) == ["firing"], "log:\n\(daemon.log)")
        #expect(fired.map(\.device) == ["r1"])
        let startsAt = try #require(fired.first?.startsAt)
        // Not before its time; and well before a clock started at the restart would let it fire.
        #expect(
            startsAt.timeIntervalSince(disconnectedAt) > 7.9 && startsAt.timeIntervalSince(restartedAt) < 7.5,
            "fired at \(startsAt), disconnected at \(disconnectedAt), restarted at \(restartedAt)"
        )
    }

    /// Fired and notified, then killed; the client comes back while connwatch is down (the
    /// broker keeps the connect for the persistent session). After the restart: no second firing,
    /// one resolved.
    @Test func aNotifiedAlertIsNotRepeatedAndResolvesWhenTheClientCameBackMeanwhile() async throws {
        let rig = try DaemonRig(forDuration: "1s")
        defer { rig.stop() }
        let (dir, broker, hook, config) = (rig.dir, rig.broker, rig.hook, rig.config)
        let database = "\(dir.path)/state/connwatch.sqlite"
        var daemon = try DaemonProcess(config: config, directory: dir.path)
        #expect(await daemon.waitForLog("broker connected"), "log:\n\(daemon.log)")
        for id in ["r2", "r3"] {
            let status = watsonStatus(id, "Disconnect", closeCode: 160)
            try broker.publish(topic: status.topic, payload: status.payload)
        }
        let firing = await hook.waitForRequests(count: 2, timeout: .seconds(20))
        #expect(firing.flatMap(alerts).map(\.status) == ["firing", "firing"], "log:\n\(daemon.log)")
        #expect(try await waitFor(database, "select count(*) from outbox", "0"))
        daemon.killHard()
        hook.clearRequests()

        let back = watsonStatus("r2", "Connect")
        try broker.publish(topic: back.topic, payload: back.payload)
        daemon = try DaemonProcess(config: config, directory: dir.path)
        defer { daemon.stop() }
        #expect(await daemon.waitForLog("state restored"), "log:\n\(daemon.log)")
        let after = await hook.waitForRequests(count: 1, timeout: .seconds(20))
        try await Task.sleep(for: .seconds(3))  // room for a repeated firing to show up
        let seen = hook.requests.flatMap(alerts)
        #expect(seen.map(\.status) == ["resolved"], "after restart: \(seen)\nlog:\n\(daemon.log)")
        #expect(seen.map(\.device) == ["r2"])
        #expect(after.count == 1)
        #expect(
            try sqliteQuery(database, "select device_id, status from clients order by device_id")
                == "r2|connected\nr3|disconnected"
        )
        #expect(try sqliteQuery(database, "select count(*) from alerts") == "1")
    }
}
