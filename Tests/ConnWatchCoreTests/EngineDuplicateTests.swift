import Testing

@testable import ConnWatchCore

/// An event delivered again (a retained status after a restart, an unacknowledged QoS 1 message
/// redelivered) is neither logged again nor counted again.
@Suite struct EngineDuplicateTests {
    private let t0: Int64 = 1_790_000_000_000

    private func failure(_ id: Int, at time: Int64) -> StatusEvent {
        StatusEvent(
            action: .failedConnect,
            clientID: "d:org1:pump:pump-\(id)",
            clientType: .device,
            time: time,
            reasonCode: 181,
            cause: .auth,
            initiator: .server
        )
    }

    @Test func aRetainedConnectDeliveredAgainAfterARestartAddsNoLogEntry() throws {
        let h = EngineHarness(EngineConfiguration(), startTime: t0)
        h.send(deviceEvent(.connect, 1, at: t0))
        h.send(deviceEvent(.disconnect, 1, at: t0 + 1000))
        // The restart: a new engine restored from what the old one knew.
        let saved = try #require(h.engine.client("d:org1:pump:pump-1"))
        let restarted = EngineHarness(EngineConfiguration(), startTime: t0 + 60_000)
        restarted.engine.restore(
            clients: [saved],
            counters: [],
            notified: [],
            now: t0 + 60_000,
            into: &restarted.changes
        )
        // The broker hands the retained disconnect over again.
        var again = deviceEvent(.disconnect, 1, at: t0 + 1000)
        again.retained = true
        restarted.engine.handle(again, broker: "main", now: t0 + 61_000, into: &restarted.changes)
        let state = try #require(restarted.engine.client("d:org1:pump:pump-1"))
        #expect(restarted.engine.unsavedLog(of: state.clientID).isEmpty, "not logged again")
        #expect(state.status == .disconnected)
        #expect(restarted.engine.counters.outOfOrder == 0)
        #expect(restarted.engine.counters.duplicates == 1)
    }

    @Test func aRedeliveredFailedConnectIsCountedOnce() throws {
        let rule = CountingRule(name: "auth_failures", kind: .failedConnects, count: 2, window: 600_000)
        let h = EngineHarness(EngineConfiguration(countingRules: [rule]), startTime: t0)
        h.send(failure(1, at: t0))
        h.send(failure(1, at: t0))
        #expect(h.take().isEmpty, "one failure, delivered twice")
        #expect(h.engine.unsavedLog(of: "d:org1:pump:pump-1").count == 1)
        h.send(failure(1, at: t0 + 1))
        #expect(h.take().map(\.alert.state) == [.firing])
    }

    @Test func theSameEventAfterAnotherIsNotADuplicate() throws {
        let h = EngineHarness(EngineConfiguration(), startTime: t0)
        h.send(deviceEvent(.connect, 1, at: t0))
        h.send(deviceEvent(.disconnect, 1, at: t0 + 1000))
        h.send(deviceEvent(.connect, 1, at: t0))  // late: the log keeps it, marked not applied
        let log = h.engine.unsavedLog(of: "d:org1:pump:pump-1")
        #expect(log.map(\.applied) == [true, true, false])
        #expect(h.engine.counters.outOfOrder == 1 && h.engine.counters.duplicates == 0)
    }
}
