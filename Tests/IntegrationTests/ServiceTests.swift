import ConnWatchTestSupport
import Foundation
import Testing

/// Reload and watchdog behaviour, as systemd drives them.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ServiceTests {
    @Test func reloadAppliesAGoodFileAndKeepsRunningOnABrokenOne() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let broker = try TestBroker()
        defer { broker.stop() }
        let hook = try TestHTTPServer()
        defer { hook.stop() }
        let socket = try DatagramListener(path: "\(dir.path)/notify.sock")
        defer { socket.close() }
        let original = daemonConfig(brokerPort: broker.port, hookURL: hook.url, forDuration: "1h")
        let config = try dir.write("rules.yaml", original)
        let daemon = try DaemonProcess(config: config, directory: dir.path, environment: ["NOTIFY_SOCKET": socket.path])
        defer { daemon.stop() }
        #expect(await daemon.waitForLog("broker connected"))
        #expect(socket.receive(timeout: .seconds(10))?.contains("READY=1") == true)

        var status = watsonStatus("r1", "Disconnect", closeCode: 160)
        try broker.publish(topic: status.topic, payload: status.payload)
        #expect(await daemon.waitForLog("client_id=d:org1:sensor:r1"))

        // A good file: the rule's `for` drops from 1h to 1s, so the pending alert fires now.
        try dir.write("rules.yaml", original.replacingOccurrences(of: "for: 1h", with: "for: 1s"))
        daemon.send(SIGHUP)
        let fired = await hook.waitForRequests(count: 1, timeout: .seconds(15))
        try #require(fired.count == 1, "log:\n\(daemon.log)")
        #expect(fired[0].bodyText.contains("d:org1:sensor:r1"))
        #expect(daemon.log.contains("configuration reloaded"))
        var datagrams: [String] = []
        while let message = socket.receive(timeout: .milliseconds(500)) { datagrams.append(message) }
        let reloading = try #require(datagrams.first { $0.contains("RELOADING=1") }, "got \(datagrams)")
        #expect(reloading.contains("MONOTONIC_USEC="))
        #expect(datagrams.contains { $0.split(separator: "\n").contains("READY=1") })

        // A broken file: the daemon says why and keeps the running configuration.
        try dir.write("rules.yaml", original.replacingOccurrences(of: "for: 1h", with: "for: soon"))
        daemon.send(SIGHUP)
        #expect(await daemon.waitForLog("reload rejected, keeping the running configuration"), "log:\n\(daemon.log)")
        #expect(daemon.log.contains("for 'soon' is not a duration"))
        status = watsonStatus("r2", "Disconnect", closeCode: 160)
        try broker.publish(topic: status.topic, payload: status.payload)
        let second = await hook.waitForRequests(count: 2, timeout: .seconds(15))
        try #require(second.count == 2, "the 1s rule still applies; log:\n\(daemon.log)")
        #expect(second[1].bodyText.contains("d:org1:sensor:r2"))
        #expect(daemon.stop() == 0)
    }

    @Test func aReloadThatChangesTheAPISaysItWaitsForARestart() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let broker = try TestBroker()
        defer { broker.stop() }
        let original = daemonConfig(brokerPort: broker.port, hookURL: "http://127.0.0.1:9")
        let config = try dir.write("rules.yaml", original)
        let daemon = try DaemonProcess(config: config, directory: dir.path)
        defer { daemon.stop() }
        #expect(await daemon.waitForLog("broker connected"))
        try dir.write(
            "rules.yaml",
            original.replacingOccurrences(of: "api:\n  enabled: false\n", with: "api:\n  port: 9\n")
        )
        daemon.send(SIGHUP)
        #expect(await daemon.waitForLog("configuration reloaded"), "log:\n\(daemon.log)")
        #expect(daemon.log.contains("api.enabled false → true takes effect only after a restart"), "\(daemon.log)")
        #expect(daemon.log.contains("api.port 9467 → 9 takes effect only after a restart"), "\(daemon.log)")
        #expect(!daemon.log.contains("api.listen"), "\(daemon.log)")
        // The same file again: the change still waits for a restart, and says so again.
        daemon.send(SIGHUP)
        #expect(await daemon.waitForLog("configuration reloaded", count: 2), "log:\n\(daemon.log)")
        #expect(daemon.log.components(separatedBy: "api.port 9467 → 9").count == 3, "\(daemon.log)")
        #expect(daemon.stop() == 0)
    }

    @Test func watchdogPingsStopWhenTheEngineLoopHangs() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let broker = try TestBroker()
        defer { broker.stop() }
        let socket = try DatagramListener(path: "\(dir.path)/notify.sock")
        defer { socket.close() }
        let config = try dir.write("rules.yaml", daemonConfig(brokerPort: broker.port, hookURL: "http://127.0.0.1:9"))
        let daemon = try DaemonProcess(
            config: config,
            directory: dir.path,
            environment: [
                "NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "400000", "CONNWATCH_DEBUG_HANG_SIGNAL": "SIGUSR2",
            ]
        )
        defer { daemon.killHard() }
        var pings = 0
        let deadline = ContinuousClock.now + .seconds(15)
        while pings < 3 && ContinuousClock.now < deadline {
            if let message = socket.receive(timeout: .seconds(1)), message.contains("WATCHDOG=1") { pings += 1 }
        }
        #expect(pings == 3, "log:\n\(daemon.log)")
        daemon.send(SIGUSR2)
        #expect(await daemon.waitForLog("hanging the engine loop on purpose"))
        // Drain what was sent before the hang, then nothing more may come.
        while socket.receive(timeout: .milliseconds(300)) != nil {}
        var late: [String] = []
        while let message = socket.receive(timeout: .milliseconds(1500)) { late.append(message) }
        #expect(!late.contains { $0.contains("WATCHDOG=1") }, "pings after the hang: \(late)")
    }
}
