import ConnWatchTestSupport
import Foundation
import Synchronization
import Testing

/// Notification delivery end to end: the CLI faces and the daemon's durable outbox.
@Suite(.serialized, .timeLimit(.minutes(3))) struct NotifyTests {
    private func receiversConfig(_ url: String) -> String {
        """
        mqtt:
          name: test
          url: mqtt://127.0.0.1:1
          subscriptions:
            - topic: iot-2/type/+/id/+/mon
              format: watson-iot
        defaults:
          receivers: [slack]
        receivers:
          - name: slack
            type: slack
            url: \(url)/services/T000/B000/XXXXsecretXXXX
        """
    }

    @Test func renderPrintsTheEscapedPayloadWithoutTheSecret() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let config = try dir.write("rules.yaml", receiversConfig("https://hooks.slack.com"))
        let alert = try dir.write(
            "alert.json",
            #"{"status":"firing","labels":{"alertname":"device_offline","client_id":"<!channel>"},"#
                + #""annotations":{"summary":"<!channel> offline for 10m"},"startsAt":"2026-09-30T10:00:00Z"}"#
        )
        let result = try runConnWatch(["render", "--config", config, "--receiver", "slack", "--alert", alert])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("POST https://hooks.slack.com/…"))
        #expect(result.stdout.contains("&lt;!channel&gt; offline for 10m"))
        #expect(!result.stdout.contains("<!channel>"))
        #expect(!result.stdout.contains("XXXXsecretXXXX"))
        let unknown = try runConnWatch(["render", "--config", config, "--receiver", "nope", "--alert", alert])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("no receiver named 'nope'"))
    }

    @Test func sendTestSendsFiringAndResolvedAndReportsFailures() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let hook = try TestHTTPServer()
        defer { hook.stop() }
        let slack = FakePlatformEndpoint(platform: "slack")
        hook.setResponder(slack.responder)
        let config = try dir.write("rules.yaml", receiversConfig(hook.url))
        let result = try runConnWatch(["send-test", "--config", config, "slack"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("firing: ok — HTTP 200"))
        #expect(result.stdout.contains("resolved: ok — HTTP 200"))
        #expect(!result.stdout.contains("XXXXsecretXXXX"))
        #expect(slack.rejections.isEmpty)
        let requests = hook.requests
        try #require(requests.count == 2)
        #expect(requests[0].bodyText.contains("FIRING"))
        #expect(requests[1].bodyText.contains("RESOLVED"))
        #expect(requests[0].header("webhook-id") != requests[1].header("webhook-id"))

        hook.setResponder(nil)
        hook.setDefault(ScriptedResponse(status: 404, text: "channel_not_found"))
        let failed = try runConnWatch(["send-test", "--config", config, "slack"])
        #expect(failed.status == 1)
        #expect(failed.stdout.contains("FAILED — HTTP 404"))
        #expect(failed.stdout.contains("channel_not_found"))
    }

    /// `kill -9` with 20 notifications pending: after a restart all 20 arrive, each `webhook-id` once.
    @Test func killedDaemonDeliversPendingNotificationsAfterRestart() async throws {
        let rig = try DaemonRig(forDuration: "1s")
        defer { rig.stop() }
        let (dir, broker, hook, config) = (rig.dir, rig.broker, rig.hook, rig.config)
        let down = Mutex(true)
        let accepted = Mutex<[String]>([])
        hook.setResponder { request in
            if down.withLock({ $0 }) { return ScriptedResponse(status: 503, text: "maintenance") }
            accepted.withLock { $0.append(request.header("webhook-id") ?? "") }
            return .ok
        }
        var daemon = try DaemonProcess(config: config, directory: dir.path)
        #expect(await daemon.waitForLog("broker connected"), "log:\n\(daemon.log)")
        // Non-retained, on a persistent session: nothing is replayed after the restart.
        for index in 0..<20 {
            let status = watsonStatus("k\(index)", "Connect")
            try broker.publish(topic: status.topic, payload: status.payload)
        }
        for index in 0..<20 {
            let status = watsonStatus("k\(index)", "Disconnect", closeCode: 160, reason: "timeout")
            try broker.publish(topic: status.topic, payload: status.payload)
        }
        #expect(await daemon.waitForLog("alert firing", count: 20, timeout: .seconds(30)), "log:\n\(daemon.log)")
        let database = "\(dir.path)/state/connwatch.sqlite"
        var pending = -1
        for _ in 0..<100 {
            pending = (try? outboxCount(database)) ?? -1
            if pending == 20 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(pending == 20)
        kill(daemon.process.processIdentifier, SIGKILL)
        _ = daemon.process.waitForExit(timeout: .seconds(60))
        #expect(daemon.process.terminationReason == .uncaughtSignal)

        down.withLock { $0 = false }
        daemon = try DaemonProcess(config: config, directory: dir.path)
        defer { daemon.stop() }
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, accepted.withLock({ $0.count }) < 20 {
            try await Task.sleep(for: .milliseconds(200))
        }
        try await Task.sleep(for: .seconds(2))  // room for a duplicate to show up
        let ids = accepted.withLock { $0 }
        #expect(ids.count == 20, "accepted: \(ids)\nlog:\n\(daemon.log)")
        #expect(Set(ids).count == 20)
        #expect((try? outboxCount(database)) == 0)
        #expect(daemon.stop() == 0)
    }

    /// Rows in the outbox, read with Python's sqlite3 (independent of connwatch's store code).
    private func outboxCount(_ database: String) throws -> Int {
        Int(try sqliteQuery(database, "select count(*) from outbox")) ?? -1
    }
}
