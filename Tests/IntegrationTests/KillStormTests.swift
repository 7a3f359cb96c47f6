import ConnWatchTestSupport
import Foundation
import Synchronization
import Testing

/// `kill -9` ten times while a stream of status messages flows (retained, QoS 1, persistent
/// session — as Watson IoT publishes them): afterwards the store agrees with the last message of
/// every client, every client that stayed offline was notified, and no alert was notified twice.
@Suite(.serialized, .timeLimit(.minutes(4))) struct KillStormTests {
    @Test func tenKillsDuringAStreamLoseNoAlertAndRepeatNone() async throws {
        let rig = try DaemonRig(forDuration: "3s")
        defer { rig.stop() }
        let (dir, broker, hook, config) = (rig.dir, rig.broker, rig.hook, rig.config)
        let database = "\(dir.path)/state/connwatch.sqlite"
        var daemon = try DaemonProcess(config: config, directory: dir.path)
        #expect(await daemon.waitForLog("broker connected"), "log:\n\(daemon.log)")

        let clients = (0..<120).map { "s\($0)" }
        let offline = Set(clients.filter { Int($0.dropFirst())! % 2 == 0 })
        let publisher = Task.detached {
            for id in clients {
                let status = watsonStatus(id, "Connect")
                try broker.publish(topic: status.topic, payload: status.payload, retained: true)
            }
            for id in clients where offline.contains(id) {
                let status = watsonStatus(id, "Disconnect", closeCode: 160, reason: "keep-alive timeout")
                try broker.publish(topic: status.topic, payload: status.payload, retained: true)
                try await Task.sleep(for: .milliseconds(40))
            }
        }
        var kills = 0
        while kills < 10 {
            try await Task.sleep(for: .milliseconds(Int.random(in: 300...700)))
            daemon.killHard()
            kills += 1
            daemon = try DaemonProcess(config: config, directory: dir.path)
        }
        try await publisher.value
        defer { daemon.stop() }

        let expected = clients.sorted().map { "\($0)|\(offline.contains($0) ? "disconnected" : "connected")" }
            .joined(separator: "\n")
        var stored = ""
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            stored = (try? sqliteQuery(database, "select device_id, status from clients order by device_id")) ?? ""
            if stored == expected { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(stored == expected, "log:\n\(daemon.log)")

        // Every offline client's alert arrives; none is announced twice under different ids.
        var firing: [String: Set<String>] = [:]
        while ContinuousClock.now < deadline {
            firing = [:]
            for request in hook.requests {
                guard let id = request.header("webhook-id"),
                    let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
                    let alerts = object["alerts"] as? [[String: Any]]
                else { continue }
                for alert in alerts where alert["status"] as? String == "firing" {
                    let device = (alert["labels"] as? [String: String])?["device_id"] ?? ""
                    firing[device, default: []].insert(id)
                }
            }
            if Set(firing.keys) == offline { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        try await Task.sleep(for: .seconds(2))  // room for a repeat to show up
        #expect(Set(firing.keys) == offline, "missing: \(offline.subtracting(firing.keys).sorted())")
        let repeated = firing.filter { $0.value.count > 1 }
        #expect(repeated.isEmpty, "notified more than once: \(repeated)")
        #expect(daemon.stop() == 0)
    }
}
