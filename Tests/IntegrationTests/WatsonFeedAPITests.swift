import ConnWatchTestSupport
import Foundation
import Testing

/// What the Watson IoT feed's codes and protocol names become, through a real broker and
/// `connwatch run`.
@Suite struct WatsonFeedAPITests {
    /// Watson's ping timeouts (162) and refused logins (181) reach `cause` rules through a real
    /// broker, and a client that connected over WebSocket (`mqtt4-ws`) is shown as such.
    @Test func watsonCloseCodesReachCauseRulesAndWebSocketIsKept() async throws {
        let rules = """
              - name: ping_timeouts
                kind: disconnects
                count: 1
                window: 5m
                cause: keepalive_timeout
              - name: refused_logins
                kind: failed_connects
                count: 1
                window: 5m
                cause: auth
            """
        let fixture = try APIFixture(forDuration: "1h", rulesExtra: rules)
        try #require(await fixture.ready(), "log:\n\(fixture.daemon.log)")
        // Every status message of a WebSocket connection names its protocol, the disconnect's too.
        for status in [
            watsonStatus("ws1", "Connect"),
            watsonStatus("ws1", "Disconnect", closeCode: 162, reason: "The client did not respond to a ping"),
        ] {
            let payload = status.payload.replacingOccurrences(of: #""mqtt4""#, with: #""mqtt4-ws""#)
            try fixture.broker.publish(topic: status.topic, payload: payload)
        }
        try fixture.publish("s2", "FailedConnect", closeCode: 181, reason: "User authentication failed")
        let answer = try await fixture.poll("/api/v1/alerts", timeout: .seconds(30)) { answer in
            answer.body.contains("ping_timeouts") && answer.body.contains("refused_logins")
        }
        let alerts = try #require(try answer.json() as? [[String: Any]], "\(answer.body)")
        let firing = alerts.filter { $0["state"] as? String == "firing" }.compactMap { $0["rule"] as? String }
        #expect(Set(firing) == ["ping_timeouts", "refused_logins"], "\(answer.body)")
        let state = try callAPI("GET", fixture.base + "/api/v0002/clientconnectionstates/d:org1:sensor:ws1")
        let client = try #require(try state.json() as? [String: Any], "\(state.body)")
        #expect(client["cause"] as? String == "keepalive_timeout", "\(state.body)")
        #expect(client["disconnectedBy"] as? String == "network", "\(state.body)")
        #expect(client["mqttConnectProtocol"] as? String == "3.1.1", "\(state.body)")
        #expect(client["transport"] as? String == "websocket", "\(state.body)")
        let shown = try runConnWatch(["status", "d:org1:sensor:ws1", "--url", fixture.base])
        #expect(shown.stdout.contains("MQTT 3.1.1 over WebSocket"), "\(shown.stdout)\(shown.stderr)")
    }
}
