import ConnWatchRuntime
import Testing

@Suite struct BrokerConnectionStateTests {
    @Test func foldsConnectsFailuresAndLosses() {
        var state = BrokerConnectionState(broker: "main", startedAt: 100)
        #expect(state.phase == .connecting && state.since == 100)
        var changed = state.apply(.connectFailed(code: 14, reason: "connection refused"), at: 200)
        #expect(changed)
        #expect(state.phase == .disconnected && state.consecutiveFailures == 1)
        changed = state.apply(.connectFailed(code: 5, reason: "not authorised"), at: 300)
        #expect(!changed)
        #expect(state.consecutiveFailures == 2 && state.since == 200)
        #expect(state.lastError?.reason == "not authorised")
        changed = state.apply(.connected(sessionPresent: true), at: 400)
        #expect(changed)
        #expect(state.phase == .connected && state.connects == 1 && state.consecutiveFailures == 0)
        #expect(state.sessionPresent)
        #expect(state.duration(at: 1400) == 1000)
        let message = MQTTMessage(topic: "t", payload: [], retained: false, qos: 1, receivedAt: 500)
        changed = state.apply(.message(message), at: 500)
        #expect(!changed)
        #expect(state.messages == 1 && state.since == 400)
        changed = state.apply(.disconnected(code: 7, reason: "connection lost"), at: 600)
        #expect(changed)
        #expect(state.phase == .disconnected && state.since == 600 && state.lastError?.code == 7)
    }
}
