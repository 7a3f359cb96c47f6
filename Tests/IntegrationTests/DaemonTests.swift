import ConnWatchTestSupport
import Foundation
import Testing

/// The whole daemon as a child process, against a real Mosquitto and a real HTTP receiver.
@Suite(.serialized, .timeLimit(.minutes(2))) struct DaemonTests {
    /// Parses a recorded webhook body.
    private func payload(_ body: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
    }

    private func firstAlert(_ json: [String: Any]) throws -> [String: Any] {
        let alerts = try #require(json["alerts"] as? [[String: Any]])
        return try #require(alerts.first)
    }

    @Test func disconnectFiresAfterForAndReconnectResolves() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let broker = try TestBroker()
        defer { broker.stop() }
        let hook = try TestHTTPServer()
        defer { hook.stop() }
        let config = try dir.write("rules.yaml", daemonConfig(brokerPort: broker.port, hookURL: hook.url))
        let daemon = try DaemonProcess(config: config, directory: dir.path)
        defer { daemon.stop() }
        #expect(await daemon.waitForLog("broker connected"), "log:\n\(daemon.log)")

        var status = watsonStatus("s1", "Connect")
        try broker.publish(topic: status.topic, payload: status.payload, retained: true)
        // Garbage on the monitor topic must not stop anything.
        try broker.publish(topic: "iot-2/type/sensor/id/junk/mon", payload: "{\"Action\":")
        status = watsonStatus("s1", "Disconnect", closeCode: 160, reason: "The connection timed out")
        let disconnectedAt = ContinuousClock.now
        try broker.publish(topic: status.topic, payload: status.payload, retained: true)

        let firing = await hook.waitForRequests(count: 1, timeout: .seconds(15))
        try #require(firing.count == 1, "log:\n\(daemon.log)")
        #expect(disconnectedAt.duration(to: .now) >= .milliseconds(1900), "fired before 'for' had passed")
        let firingJSON = try payload(firing[0].body)
        #expect(firingJSON["version"] as? String == "4")
        #expect(firingJSON["status"] as? String == "firing")
        let firingAlert = try firstAlert(firingJSON)
        let labels = try #require(firingAlert["labels"] as? [String: String])
        #expect(labels["client_id"] == "d:org1:sensor:s1")
        #expect(labels["alertname"] == "sensor_offline")
        #expect(labels["broker"] == "test")
        let annotations = try #require(firingAlert["annotations"] as? [String: String])
        #expect(annotations["description"]?.contains("keepalive_timeout") == true)
        #expect(firing[0].header("webhook-id") != nil)
        #expect(firing[0].header("Content-Type") == "application/json")
        #expect(daemon.log.contains("undecodable status message skipped"))

        status = watsonStatus("s1", "Connect")
        try broker.publish(topic: status.topic, payload: status.payload, retained: true)
        let both = await hook.waitForRequests(count: 2, timeout: .seconds(15))
        try #require(both.count == 2, "log:\n\(daemon.log)")
        let resolved = try firstAlert(try payload(both[1].body))
        #expect(resolved["status"] as? String == "resolved")
        #expect(resolved["fingerprint"] as? String == firingAlert["fingerprint"] as? String)
        #expect(resolved["endsAt"] as? String != "0001-01-01T00:00:00Z")
        #expect(daemon.stop() == 0)
    }

    @Test func takeoverDisconnectRaisesNoAlert() async throws {
        let rig = try DaemonRig(forDuration: "1s")
        defer { rig.stop() }
        let (dir, broker, hook, config) = (rig.dir, rig.broker, rig.hook, rig.config)
        let daemon = try DaemonProcess(config: config, directory: dir.path)
        defer { daemon.stop() }
        #expect(await daemon.waitForLog("broker connected"))
        for status in [
            watsonStatus("s2", "Connect"),
            watsonStatus("s2", "Disconnect", closeCode: 288, reason: "The clientID was reused"),
            watsonStatus("s3", "Disconnect", closeCode: 91),
        ] {
            try broker.publish(topic: status.topic, payload: status.payload)
        }
        // s3 proves the pipeline works; s2 must stay silent.
        let requests = await hook.waitForRequests(count: 1, timeout: .seconds(10))
        try #require(requests.count == 1)
        try await Task.sleep(for: .seconds(2))
        let all = hook.requests
        #expect(all.count == 1)
        let labels = try #require(try firstAlert(try payload(all[0].body))["labels"] as? [String: String])
        #expect(labels["client_id"] == "d:org1:sensor:s3")
    }

    @Test func brokerRestartIsSurvived() async throws {
        let rig = try DaemonRig(forDuration: "1s")
        defer { rig.stop() }
        let (dir, broker, hook, config) = (rig.dir, rig.broker, rig.hook, rig.config)
        let daemon = try DaemonProcess(config: config, directory: dir.path)
        defer { daemon.stop() }
        #expect(await daemon.waitForLog("broker connected"))
        var status = watsonStatus("s4", "Connect")
        try broker.publish(topic: status.topic, payload: status.payload)

        broker.kill()
        #expect(await daemon.waitForLog("broker connection lost"), "log:\n\(daemon.log)")
        try broker.restart()
        #expect(await daemon.waitForLog("broker connected", count: 2, timeout: .seconds(30)), "log:\n\(daemon.log)")

        status = watsonStatus(
            "s4",
            "Disconnect",
            closeCode: 93,
            reason: "The connection was closed because the server was shutdown"
        )
        try broker.publish(topic: status.topic, payload: status.payload)
        let requests = await hook.waitForRequests(count: 1, timeout: .seconds(15))
        try #require(requests.count == 1, "log:\n\(daemon.log)")
        let labels = try #require(try firstAlert(try payload(requests[0].body))["labels"] as? [String: String])
        #expect(labels["client_id"] == "d:org1:sensor:s4")
    }

    @Test func serverErrorsAreRetriedAndDeliveredOnce() async throws {
        let rig = try DaemonRig(forDuration: "1s")
        defer { rig.stop() }
        let (dir, broker, hook, config) = (rig.dir, rig.broker, rig.hook, rig.config)
        hook.enqueue(ScriptedResponse(status: 500, text: "boom"))
        hook.enqueue(ScriptedResponse(status: 500, text: "boom again"))
        let daemon = try DaemonProcess(config: config, directory: dir.path)
        defer { daemon.stop() }
        #expect(await daemon.waitForLog("broker connected"))
        let status = watsonStatus("s5", "Disconnect", closeCode: 160)
        try broker.publish(topic: status.topic, payload: status.payload)

        let requests = await hook.waitForRequests(count: 3, timeout: .seconds(20))
        try #require(requests.count == 3, "log:\n\(daemon.log)")
        let ids = Set(requests.compactMap { $0.header("webhook-id") })
        #expect(ids.count == 1, "every retry carries the same webhook-id")
        #expect(requests.map(\.body) == Array(repeating: requests[0].body, count: 3))
        // Delivered on the third attempt: nothing more comes.
        try await Task.sleep(for: .seconds(3))
        #expect(hook.requests.count == 3)
        #expect(daemon.log.contains("notification not delivered, retrying"))
        #expect(daemon.log.contains("notification delivered"))
    }

    @Test func tellsSystemdReadyThenStopping() async throws {
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
            environment: ["NOTIFY_SOCKET": socket.path]
        )
        let ready = try #require(socket.receive(timeout: .seconds(15)), "log:\n\(daemon.log)")
        #expect(ready.split(separator: "\n").contains("READY=1"))
        #expect(ready.contains("STATUS="))
        #expect(daemon.stop() == 0)
        var messages: [String] = []
        while let message = socket.receive(timeout: .seconds(2)) { messages.append(message) }
        #expect(messages.contains { $0.split(separator: "\n").contains("STOPPING=1") }, "got \(messages)")
    }

    @Test func badConfigurationExitsWith78() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let config = try dir.write(
            "rules.yaml",
            """
            mqtt:
              url: mqtt://127.0.0.1:1883
              subscriptions:
                - topic: iot-2/type/+/id/+/mon
                  format: watson-iot
            rules:
              - name: r
                kind: offline
                for: ten minutes
            """
        )
        let check = try runConnWatch(["check", "--config", config])
        #expect(check.status == 78)
        #expect(check.stderr.contains("\(config):9:10: for 'ten minutes' is not a duration"), "\(check.stderr)")
        let run = try runConnWatch(["run", "--config", config])
        #expect(run.status == 78)
        #expect(run.stderr.contains("for 'ten minutes' is not a duration"))
    }

    /// A credential the service is not given stops `run` with 78 (systemd then does not restart
    /// it) and one line naming the credential where the file uses it.
    @Test func aMissingCredentialExitsWith78AndSaysWhich() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let config = try dir.write(
            "rules.yaml",
            daemonConfig(brokerPort: 1, hookURL: "http://127.0.0.1:9")
                .replacingOccurrences(
                    of: "    url: http://127.0.0.1:9/alerts\n",
                    with: "    url_credential: hook-url\n"
                )
        )
        let run = try runConnWatch(["run", "--config", config, "--state-directory", dir.path + "/state"])
        #expect(run.status == 78)
        #expect(run.stderr.contains("url_credential 'hook-url' cannot be given to connwatch"), "\(run.stderr)")
        #expect(!run.stderr.contains("NSCocoaErrorDomain"))
        let check = try runConnWatch(["check", "--config", config])
        #expect(check.status == 78)
        #expect(check.stderr.contains("\(config):20:21: url_credential 'hook-url'"), "\(check.stderr)")
    }

    /// The example is valid once the unit gives it the credentials it names; until then `check`
    /// names each missing one where the file uses it.
    @Test func shippedExampleConfigurationIsValid() throws {
        let example = "\(ConnWatchBinary.packageRoot)/rules.yaml.example"
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let names = [
            "slack-iot-url", "teams-ops-url", "discord-iot-url", "gchat-iot-url", "mattermost-iot-url",
            "rocketchat-iot-url", "ntfy-token", "pagerduty-routing-key",
        ]
        let bare = try dir.write("bare.service", "[Service]\nExecStart=/usr/bin/connwatch run\n")
        let missing = try runConnWatch(["check", "--config", example, "--unit", bare])
        #expect(missing.status == 78)
        for name in names {
            #expect(missing.stderr.contains("'\(name)' is not given to connwatch by \(bare)"), "\(missing.stderr)")
        }
        let lines = ["[Service]"] + names.map { "LoadCredential=\($0):/dev/null" }
        let unit = try dir.write("connwatch.service", lines.joined(separator: "\n") + "\n")
        let result = try runConnWatch(["check", "--config", example, "--unit", unit])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("OK"))
        #expect(!result.stderr.contains("warning"), "\(result.stderr)")
    }

    /// A rule no client can match is a warning: `check` passes and says where.
    @Test func aRuleThatCanNeverMatchIsAWarning() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let config = try dir.write(
            "rules.yaml",
            daemonConfig(brokerPort: 1, hookURL: "http://127.0.0.1:9")
                .replacingOccurrences(of: "topic: iot-2/type/+/id/+/mon", with: "topic: tele/+/LWT")
                .replacingOccurrences(of: "format: watson-iot", with: "format: tasmota")
        )
        let check = try runConnWatch(["check", "--config", config])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(
            check.stderr.contains(
                "\(config):27:7: warning: rule 'sensor_offline' can never match: client_type 'device'"
            ),
            "\(check.stderr)"
        )
    }

    @Test func versionIsPrinted() throws {
        let result = try runConnWatch(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }
}

/// An AF_UNIX datagram socket standing in for systemd's notification socket.
final class DatagramListener: @unchecked Sendable {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in bytes.enumerated() where i < raw.count - 1 { raw[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
    }

    /// The next datagram, or nil after `timeout`.
    func receive(timeout: Duration) -> String? {
        var pollfd = Glibc.pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ms = Int32(timeout.components.seconds * 1000)
        guard poll(&pollfd, 1, ms) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    func close() {
        Glibc.close(fd)
        unlink(path)
    }
}
