import ConnWatchTestSupport
import Foundation
import Testing

/// A broker that is reached but rejects the credentials: the journal line names the class, the
/// `feed_down` alert says the broker rejects the connection (not that it is unreachable), and
/// `/api/v1/brokers`, `connwatch status` and `/metrics` say why the feed is down.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct FeedDiagnosisTests {
    @Test func rejectedCredentialsAreNamedEverywhere() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pki = try TestPKI(in: dir.path)
        let broker = try TestBroker(allowAnonymous: false, extraConfiguration: "password_file \(pki.passwordFile)")
        defer { broker.stop() }
        let hook = try TestHTTPServer()
        defer { hook.stop() }
        let apiPort = try FreePort.loopback()
        _ = try dir.write("wrong-password", "guess\n")
        let config = daemonConfig(brokerPort: broker.port, hookURL: hook.url, apiPort: apiPort)
            .replacingOccurrences(
                of: "  keepalive: 5s\n",
                with: "  keepalive: 5s\n  username: \(pki.user)\n  password_file: wrong-password\n"
            )
            .replacingOccurrences(of: "  startup_grace: 0\n", with: "  startup_grace: 0\n  feed_down_after: 1s\n")
        let configPath = try dir.write("rules.yaml", config)
        let daemon = try DaemonProcess(config: configPath, directory: dir.path)
        defer { daemon.stop() }

        #expect(
            await daemon.waitForLog(
                "broker connect failed [mqtt_not_authorized] MQTT not authorized",
                count: 2,
                timeout: .seconds(30)
            ),
            "log:\n\(daemon.log)"
        )
        let line = daemon.log.split(separator: "\n").first { $0.contains("broker connect failed") } ?? ""
        print("journal: \(line)")
        #expect(line.contains("the broker answered CONNACK 135 (Not authorized); next attempt in "))
        #expect(!daemon.log.contains("guess"), "the password never appears")
        #expect(!daemon.log.contains("network loop stopped"))

        let alerts = await hook.waitForRequests(count: 1, timeout: .seconds(20))
        let body = alerts.map { String(decoding: $0.body, as: UTF8.self) }.joined()
        #expect(body.contains("broker test rejects the connection for"), "\(body)")
        #expect(body.contains("(MQTT not authorized)"), "\(body)")
        #expect(!body.contains("unreachable"), "\(body)")

        let base = "http://127.0.0.1:\(apiPort)"
        let brokers = try callAPI("GET", base + "/api/v1/brokers")
        #expect(brokers.status == 200)
        #expect(brokers.body.contains("\"reason\":\"mqtt_not_authorized\""), "\(brokers.body)")
        let metrics = try callAPI("GET", base + "/metrics").body
        #expect(try failureCount(base) >= 2, "\(metrics)")

        let status = try runConnWatch(["status", "--url", base])
        #expect(status.status == 0, "\(status.stderr)")
        print("status: \(status.stdout.split(separator: "\n").first ?? "")")
        #expect(status.stdout.hasPrefix("broker test not connected since "), "\(status.stdout)")
        #expect(status.stdout.contains(": MQTT not authorized: the broker answered CONNACK 135"), "\(status.stdout)")

        // Identical failures: the first three are logged, the next ones (within the minute) are not.
        let deadline = ContinuousClock.now + .seconds(40)
        while try failureCount(base) < 5 && ContinuousClock.now < deadline { try await Task.sleep(for: .seconds(0.2)) }
        let attempts = try failureCount(base)
        let lines = daemon.log.components(separatedBy: "broker connect failed").count - 1
        print("rate limit: \(attempts) failed attempts, \(lines) journal lines")
        #expect(attempts >= 5)
        #expect(lines == 3, "log:\n\(daemon.log)")
    }

    /// `connwatch_mqtt_connect_failures_total` of broker `test`, reason `mqtt_not_authorized`.
    private func failureCount(_ base: String) throws -> Double {
        let metrics = try callAPI("GET", base + "/metrics").body
        let sample = metrics.split(separator: "\n").first {
            $0.hasPrefix("connwatch_mqtt_connect_failures_total{broker=\"test\",reason=\"mqtt_not_authorized\"}")
        }
        return (sample?.split(separator: " ").last).flatMap { Double($0) } ?? 0
    }

    @Test("a connection lost after connecting is one warning; a clean stop is one info line, no warning")
    func lostIsAWarningAndACleanStopIsInfo() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let broker = try TestBroker()
        defer { broker.stop() }
        let config = daemonConfig(brokerPort: broker.port, hookURL: "http://127.0.0.1:9")
        let daemon = try DaemonProcess(config: try dir.write("rules.yaml", config), directory: dir.path)
        defer { daemon.stop() }
        #expect(await daemon.waitForLog("broker connected", timeout: .seconds(30)), "log:\n\(daemon.log)")

        broker.kill()
        let lost = await daemon.waitForLog("<4>broker connection lost [lost] ", timeout: .seconds(30))
        #expect(lost, "log:\n\(daemon.log)")
        try broker.restart()
        #expect(await daemon.waitForLog("broker connected", count: 2, timeout: .seconds(30)), "log:\n\(daemon.log)")

        #expect(daemon.stop() == 0)
        let log = daemon.log
        let tail = log.components(separatedBy: "broker connected").last ?? ""
        print("stop: \(tail.split(separator: "\n").first { $0.contains("broker connection") } ?? "")")
        #expect(tail.contains("<6>broker connection closed"), "log:\n\(log)")
        #expect(!tail.contains("broker connection lost"), "log:\n\(log)")
        #expect(!log.contains("No error"), "log:\n\(log)")
        #expect(log.components(separatedBy: "broker connection lost").count - 1 == 1, "log:\n\(log)")
    }
}
