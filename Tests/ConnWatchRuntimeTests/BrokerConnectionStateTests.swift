import ConnWatchCore
import ConnWatchRuntime
import Testing

@Suite struct BrokerConnectionStateTests {
    @Test func foldsConnectsFailuresAndLosses() {
        var state = BrokerConnectionState(broker: "main", startedAt: 100)
        #expect(state.phase == .connecting && state.since == 100)
        var changed = state.apply(.connectFailed(failure(.tcpRefused, "Connection refused", code: 14)), at: 200)
        #expect(changed)
        #expect(state.phase == .disconnected && state.consecutiveFailures == 1)
        changed = state.apply(.connectFailed(failure(.notAuthorized, "not authorised", code: 5)), at: 300)
        #expect(!changed)
        #expect(state.consecutiveFailures == 2 && state.since == 200)
        #expect(state.lastError?.reason == "MQTT not authorized: not authorised")
        #expect(state.lastFailure?.kind == .notAuthorized)
        #expect(state.failureCounts == [.tcpRefused: 1, .notAuthorized: 1])
        changed = state.apply(.connected(sessionPresent: true), at: 400)
        #expect(changed)
        #expect(state.phase == .connected && state.connects == 1 && state.consecutiveFailures == 0)
        #expect(state.sessionPresent)
        #expect(state.duration(at: 1400) == 1000)
        let message = MQTTMessage(topic: "t", payload: [], retained: false, qos: 1, receivedAt: 500)
        changed = state.apply(.message(message), at: 500)
        #expect(!changed)
        #expect(state.messages == 1 && state.since == 400)
        changed = state.apply(.disconnected(failure(.lost, "The connection was lost", code: 7)), at: 600)
        #expect(changed)
        #expect(state.phase == .disconnected && state.since == 600 && state.lastError?.code == 7)
    }

    private func failure(_ kind: BrokerFailure.Kind, _ detail: String, code: Int) -> MQTTConnectFailure {
        MQTTConnectFailure(BrokerFailure(kind, detail), code: code, retryIn: .seconds(1), attempt: 1)
    }
}
