import ConnWatchTestSupport
import Foundation
import Testing

/// Counting rules follow event time: failed connects delivered late (queued while connwatch was
/// away) still raise the alert, up to `max_lateness`; later ones are named in the journal.
@Suite(.serialized, .timeLimit(.minutes(2))) struct LateEventTests {
    @Test func aLateBurstIsAlertedAndOneTooLateIsLogged() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let broker = try TestBroker()
        defer { broker.stop() }
        let hook = try TestHTTPServer()
        defer { hook.stop() }
        let config =
            daemonConfig(brokerPort: broker.port, hookURL: hook.url, forDuration: "1h")
                + """

                  - name: auth_failures
                    kind: failed_connects
                    count: 3
                    window: 10m
                """
        let path = try dir.write(
            "rules.yaml",
            config.replacingOccurrences(of: "defaults:\n", with: "defaults:\n  max_lateness: 15m\n")
        )
        let daemon = try DaemonProcess(config: path, directory: dir.path)
        defer { daemon.stop() }
        #expect(await daemon.waitForLog("broker connected"))

        /// Three refused connects of `client`, one a second, the first `age` seconds ago.
        func failures(_ client: String, age: Double) throws {
            for second in 0..<3 {
                let time = Date(timeIntervalSinceNow: -age + Double(second))
                let status = watsonStatus(client, "FailedConnect", reason: "bad password", time: time)
                try broker.publish(topic: status.topic, payload: status.payload)
            }
        }
        // Twenty minutes late: not counted, and said so.
        try failures("late", age: 1200)
        // Three too late within seconds: one journal line, the rest held back and counted.
        #expect(await daemon.waitForLog("event too late to count"), "log:\n\(daemon.log)")
        #expect(daemon.log.contains("more than max_lateness 15m"), "\(daemon.log)")
        #expect(daemon.log.contains("rules=auth_failures"), "\(daemon.log)")
        // Five minutes late, within max_lateness: counted by when they happened, and alerted.
        try failures("recent", age: 300)
        let posts = await hook.waitForRequests(count: 1, timeout: .seconds(15))
        try #require(posts.count == 1, "log:\n\(daemon.log)")
        #expect(posts[0].bodyText.contains("auth_failures") && posts[0].bodyText.contains("d:org1:sensor:recent"))
        #expect(!posts[0].bodyText.contains("d:org1:sensor:late"))
        #expect(daemon.stop() == 0)
        #expect(daemon.log.components(separatedBy: "event too late to count").count - 1 == 1, "\(daemon.log)")
        #expect(logNumber(daemon.log, line: "engine counters", key: "too_late") == 3, "\(daemon.log)")
    }
}
