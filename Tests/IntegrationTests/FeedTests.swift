import ConnWatchTestSupport
import Foundation
import Testing

/// A configuration with one broker, the given subscription lines, one webhook receiver and an offline rule
/// (`for: 1s`, every client) with no startup grace.
private func feedConfig(
    url: String,
    clientID: String,
    subscriptions: String,
    brokerExtra: String = "",
    hookURL: String
) -> String {
    """
    api:
      enabled: false
    mqtt:
      name: feed
      url: \(url)
      client_id: \(clientID)
      keepalive: 5s
    \(brokerExtra)
      subscriptions:
    \(subscriptions)
    defaults:
      startup_grace: 0
      receivers: [hook]
      group_by: ["..."]
      group_wait: 0s
      group_interval: 1s
    receivers:
      - name: hook
        type: webhook
        url: \(hookURL)/alerts
        timeout: 5s
    rules:
      - name: client_offline
        kind: offline
        for: 1s
    """
}

/// The labels and annotations of the first alert of a recorded webhook body.
private func firstAlert(_ body: [UInt8]) throws -> (labels: [String: String], annotations: [String: String]) {
    let json = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
    let alerts = try #require(json["alerts"] as? [[String: Any]])
    let alert = try #require(alerts.first)
    return (
        try #require(alert["labels"] as? [String: String]), try #require(alert["annotations"] as? [String: String])
    )
}

/// Client ids in the daemon's `status event` debug lines.
private func processedClientIDs(_ log: String) -> [String] {
    log.split(separator: "\n").filter { $0.contains("status event") }.compactMap { line in
        guard let range = line.range(of: "client_id=") else { return nil }
        return String(line[range.upperBound...].prefix { $0 != " " })
    }
}

/// The daemon against real brokers and real MQTT clients: TLS + passwords, persistent sessions, real Wills,
/// broker restarts.
@Suite(.serialized, .timeLimit(.minutes(5))) struct FeedTests {
    @Test func tlsWithPasswordConnectsAndAWrongPasswordIsReportedAndRetried() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let certificates = try TestCertificates(in: dir.path)
        let passwords = "\(dir.path)/mosquitto.passwd"
        try runTool("/usr/bin/mosquitto_passwd", ["-c", "-b", passwords, "connwatch", "s3cret"])
        let tlsPort = try FreePort.loopback()
        let broker = try TestBroker(
            allowAnonymous: false,
            extraConfiguration: """
                password_file \(passwords)
                listener \(tlsPort) 127.0.0.1
                certfile \(certificates.serverCertificate)
                keyfile \(certificates.serverKey)
                """
        )
        defer { broker.stop() }
        let hook = try TestHTTPServer()
        defer { hook.stop() }
        try dir.write("password", "s3cret\n")
        try dir.write("wrong-password", "guess\n")
        let tlsSection = """
              username: connwatch
              tls:
                ca_file: \(certificates.caFile)
            """
        let config = try dir.write(
            "rules.yaml",
            feedConfig(
                url: "mqtts://127.0.0.1:\(tlsPort)",
                clientID: "cw-tls",
                subscriptions: "    - {topic: \"tele/+/LWT\", format: tasmota}",
                brokerExtra: tlsSection + "\n  password_file: password",
                hookURL: hook.url
            )
        )
        let daemon = try DaemonProcess(config: config, directory: dir.path)
        defer { daemon.stop() }
        #expect(await daemon.waitForLog("broker connected", timeout: .seconds(30)), "log:\n\(daemon.log)")
        #expect(await broker.waitForLog(containing: "Received SUBSCRIBE from cw-tls"))

        // The TLS listener also needs the password: publish through it with mosquitto_pub.
        try runTool(
            "/usr/bin/mosquitto_pub",
            [
                "-h", "127.0.0.1", "-p", String(tlsPort), "--cafile", certificates.caFile, "-u", "connwatch", "-P",
                "s3cret", "-q", "1", "-t", "tele/plug-1/LWT", "-m", "Offline",
            ]
        )
        let requests = await hook.waitForRequests(count: 1, timeout: .seconds(20))
        try #require(requests.count == 1, "log:\n\(daemon.log)")
        #expect(try firstAlert(requests[0].body).labels["client_id"] == "plug-1")
        #expect(daemon.stop() == 0)

        let wrongDir = try TemporaryDirectory()
        defer { wrongDir.remove() }
        try wrongDir.write("wrong-password", "guess\n")
        let wrongConfig = try wrongDir.write(
            "rules.yaml",
            feedConfig(
                url: "mqtts://127.0.0.1:\(tlsPort)",
                clientID: "cw-wrong",
                subscriptions: "    - {topic: \"tele/+/LWT\", format: tasmota}",
                brokerExtra: tlsSection + "\n  password_file: wrong-password",
                hookURL: hook.url
            )
        )
        let refused = try DaemonProcess(config: wrongConfig, directory: wrongDir.path)
        defer { refused.stop() }
        // Reported (with the broker's reason) and retried: at least two refusals, never connected.
        #expect(
            await refused.waitForLog("broker connect failed", count: 2, timeout: .seconds(30)),
            "log:\n\(refused.log)"
        )
        let refusal = refused.log.split(separator: "\n").first { $0.contains("broker connect failed") }
        #expect(refusal.map { $0.lowercased().contains("not authori") || $0.lowercased().contains("password") } == true)
        #expect(!refused.log.contains("broker connected"))
        #expect(refused.stop() == 0)
    }

    @Test(arguments: ["5", "3.1.1"])
    func persistentSessionDeliversWhatWasPublishedWhileStopped(protocolVersion: String) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let broker = try TestBroker()
        defer { broker.stop() }
        let hook = try TestHTTPServer()
        defer { hook.stop() }
        let clientID = "cw-persist-\(UUID().uuidString.prefix(6))"
        let config = try dir.write(
            "rules.yaml",
            feedConfig(
                url: broker.url,
                clientID: clientID,
                subscriptions: "    - {topic: \"tele/+/LWT\", format: tasmota}",
                brokerExtra: "  protocol: \(protocolVersion)",
                hookURL: hook.url
            )
        )
        let first = try DaemonProcess(config: config, directory: dir.path)
        #expect(await first.waitForLog("broker connected"), "log:\n\(first.log)")
        #expect(await broker.waitForLog(containing: "Received SUBSCRIBE from \(clientID)"))
        #expect(first.stop() == 0)

        let ids = (0..<100).map { String(format: "dev-%03d", $0) }
        for id in ids {
            try broker.publish(topic: "tele/\(id)/LWT", payload: "Online", qos: 1)
        }

        let secondDir = "\(dir.path)/second"
        try FileManager.default.createDirectory(atPath: secondDir, withIntermediateDirectories: true)
        let second = try DaemonProcess(config: config, directory: secondDir)
        defer { second.stop() }
        #expect(await second.waitForLog("status event", count: 100, timeout: .seconds(60)), "log:\n\(second.log)")
        let processed = Set(processedClientIDs(second.log))
        #expect(Set(ids).subtracting(processed).isEmpty, "missing: \(Set(ids).subtracting(processed).sorted())")
        #expect(second.log.contains("session_present=true") || second.log.contains("\"session_present\":\"true\""))
    }

    @Test func realLastWillMarksTheClientOfflineByNetworkAndFires() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let broker = try TestBroker()
        defer { broker.stop() }
        let hook = try TestHTTPServer()
        defer { hook.stop() }
        let config = try dir.write(
            "rules.yaml",
            feedConfig(
                url: broker.url,
                clientID: "cw-will",
                subscriptions: "    - {topic: \"devices/+/status\", format: lwt, online: [up], offline: [gone]}",
                hookURL: hook.url
            )
        )
        let daemon = try DaemonProcess(config: config, directory: dir.path)
        defer { daemon.stop() }
        #expect(await daemon.waitForLog("broker connected"), "log:\n\(daemon.log)")
        #expect(await broker.waitForLog(containing: "Received SUBSCRIBE from cw-will"))

        let device = try TestClientProcess(
            port: broker.port,
            arguments: [
                "-i", "pump-7", "-q", "1", "-k", "60", "-t", "devices/pump-7/commands", "--will-topic",
                "devices/pump-7/status", "--will-payload", "gone", "--will-qos", "1", "--will-retain",
            ]
        )
        defer { device.kill() }
        #expect(
            await broker.waitForLog(containing: "Received SUBSCRIBE from pump-7"),
            "broker:\n\(broker.logContents())"
        )
        try broker.publish(topic: "devices/pump-7/status", payload: "up", retained: true)
        #expect(await daemon.waitForLog("client_id=pump-7", count: 1))

        device.kill()
        let requests = await hook.waitForRequests(count: 1, timeout: .seconds(20))
        try #require(requests.count == 1, "log:\n\(daemon.log)\nbroker:\n\(broker.logContents())")
        let alert = try firstAlert(requests[0].body)
        #expect(alert.labels["client_id"] == "pump-7")
        #expect(alert.labels["alertname"] == "client_offline")
        let description = alert.annotations["description"] ?? ""
        #expect(description.contains("network_closed"), "description: \(description)")
        #expect(description.contains("by network"), "description: \(description)")
    }

    @Test func brokerKilledFiveTimesEveryMessageAfterEachReconnectIsProcessed() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let broker = try TestBroker()
        defer { broker.stop() }
        let hook = try TestHTTPServer()
        defer { hook.stop() }
        let config = try dir.write(
            "rules.yaml",
            feedConfig(
                url: broker.url,
                clientID: "cw-restarts",
                subscriptions: "    - {topic: \"homie/5/+/$state\", format: homie}",
                hookURL: hook.url
            )
        )
        let daemon = try DaemonProcess(config: config, directory: dir.path)
        defer { daemon.stop() }
        #expect(await daemon.waitForLog("broker connected"), "log:\n\(daemon.log)")
        var expected: [String] = []
        for round in 1...5 {
            broker.kill()
            #expect(
                await daemon.waitForLog("broker connection lost", count: round, timeout: .seconds(30)),
                "round \(round), log:\n\(daemon.log)"
            )
            try broker.restart()
            try #require(
                await daemon.waitForLog("broker connected", count: round + 1, timeout: .seconds(60)),
                "round \(round), log:\n\(daemon.log)"
            )
            #expect(await broker.waitForLog(containing: "Received SUBSCRIBE from cw-restarts", count: round + 1))
            for index in 0..<10 {
                let id = "r\(round)-d\(index)"
                expected.append(id)
                try broker.publish(topic: "homie/5/\(id)/$state", payload: "ready", qos: 1)
            }
            #expect(
                await daemon.waitForLog("status event", count: expected.count, timeout: .seconds(30)),
                "round \(round), log:\n\(daemon.log)"
            )
        }
        let processed = Set(processedClientIDs(daemon.log))
        #expect(
            Set(expected).subtracting(processed).isEmpty,
            "missing: \(Set(expected).subtracting(processed).sorted())"
        )
        #expect(daemon.stop() == 0)
    }

    @Test func awsEventsOutOfOrderAndDuplicatedNeverLetAnOldDisconnectWin() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let broker = try TestBroker()
        defer { broker.stop() }
        let hook = try TestHTTPServer()
        defer { hook.stop() }
        let config = try dir.write(
            "rules.yaml",
            feedConfig(
                url: broker.url,
                clientID: "cw-aws",
                subscriptions: "    - {topic: \"$aws/events/presence/+/+\", format: aws-iot}",
                hookURL: hook.url
            )
        )
        let daemon = try DaemonProcess(config: config, directory: dir.path)
        defer { daemon.stop() }
        #expect(await daemon.waitForLog("broker connected"), "log:\n\(daemon.log)")
        #expect(await broker.waitForLog(containing: "Received SUBSCRIBE from cw-aws"))

        let now = Int64(Date().timeIntervalSince1970 * 1000)
        func presence(_ event: String, _ client: String, version: Int, at time: Int64, reason: String? = nil) throws {
            var payload =
                #"{"clientId":"\#(client)","timestamp":\#(time),"eventType":"\#(event)","versionNumber":\#(version)"#
            if let reason { payload += #","clientInitiatedDisconnect":false,"disconnectReason":"\#(reason)""# }
            try broker.publish(topic: "$aws/events/presence/\(event)/\(client)", payload: payload + "}")
        }
        // pump-1: session 7 connects; the disconnect of session 6 arrives late and twice (with a skewed, newer
        // timestamp: only versionNumber tells it is old), the connect twice.
        try presence("connected", "pump-1", version: 7, at: now)
        try presence("disconnected", "pump-1", version: 6, at: now + 1000, reason: "CONNECTION_LOST")
        try presence("connected", "pump-1", version: 7, at: now)
        try presence("disconnected", "pump-1", version: 6, at: now + 1000, reason: "CONNECTION_LOST")
        // pump-2 really goes offline: proves the pipeline fires for AWS events.
        try presence("connected", "pump-2", version: 3, at: now)
        try presence("disconnected", "pump-2", version: 3, at: now + 5, reason: "MQTT_KEEP_ALIVE_TIMEOUT")

        let requests = await hook.waitForRequests(count: 1, timeout: .seconds(20))
        try #require(requests.count == 1, "log:\n\(daemon.log)")
        let alert = try firstAlert(requests[0].body)
        #expect(alert.labels["client_id"] == "pump-2")
        #expect(alert.annotations["description"]?.contains("keepalive_timeout") == true)
        #expect(daemon.log.components(separatedBy: "status event").count - 1 == 6)
        try await Task.sleep(for: .seconds(3))
        let all = hook.requests.map { try? firstAlert($0.body).labels["client_id"] }
        #expect(!all.contains("pump-1"), "an old disconnect overrode a newer connect: \(all)")
    }
}
