import Testing

@testable import ConnWatchCore

/// A test clock in milliseconds, starting at an arbitrary wall time.
private let t0: Int64 = 1_790_000_000_000
private let minute: Int64 = 60_000

private func device(_ id: String, type: String = "sensor") -> (clientID: String, typeID: String, deviceID: String) {
    ("d:org1:\(type):\(id)", type, id)
}

private func connect(_ id: String, at time: Int64, type: String = "sensor") -> StatusEvent {
    let d = device(id, type: type)
    return StatusEvent(
        action: .connect,
        clientID: d.clientID,
        clientType: .device,
        orgID: "org1",
        typeID: d.typeID,
        deviceID: d.deviceID,
        time: time,
        protocolName: "mqtt4"
    )
}

private func disconnect(
    _ id: String,
    at time: Int64,
    code: Int = 160,
    cause: DisconnectCause = .keepAliveTimeout,
    initiator: DisconnectInitiator = .network,
    connectTime: Int64? = nil,
    type: String = "sensor"
) -> StatusEvent {
    let d = device(id, type: type)
    return StatusEvent(
        action: .disconnect,
        clientID: d.clientID,
        clientType: .device,
        orgID: "org1",
        typeID: d.typeID,
        deviceID: d.deviceID,
        time: time,
        connectTime: connectTime,
        reasonCode: code,
        reasonText: "The connection timed out",
        cause: cause,
        initiator: initiator
    )
}

private func offlineRule(_ name: String = "device_offline", for duration: Int64 = 10 * minute) -> OfflineRule {
    OfflineRule(
        name: name,
        match: ClientMatcher([(.clientType, [Glob("device")])]),
        forDuration: duration,
        labels: LabelSet(["team": "iot"])
    )
}

/// Drives an engine like the daemon does: handle, then advance to the same time.
private final class Harness {
    let engine: Engine
    var changes: [AlertChange] = []

    init(rules: [OfflineRule] = [offlineRule()], grace: Int64 = 0, start: Int64 = t0) {
        engine = Engine(configuration: EngineConfiguration(offlineRules: rules, startupGrace: grace), startTime: start)
    }

    func send(_ event: StatusEvent, at now: Int64) {
        engine.handle(event, broker: "main", now: now, into: &changes)
        engine.advance(to: now, into: &changes)
    }

    func advance(to now: Int64) {
        engine.advance(to: now, into: &changes)
    }

    func take() -> [AlertChange] {
        defer { changes = [] }
        return changes
    }
}

@Suite struct EngineTests {
    @Test func connectSetsStateAndDisconnectRecordsWhoAndWhy() throws {
        let h = Harness()
        h.send(connect("s1", at: t0), at: t0)
        var state = try #require(h.engine.client("d:org1:sensor:s1"))
        #expect(state.status == .connected)
        #expect(state.lastConnectTime == t0)
        #expect(state.clientType == .device)
        #expect(state.typeID == "sensor")
        #expect(state.protocolName == "mqtt4")
        h.send(disconnect("s1", at: t0 + 5000), at: t0 + 5000)
        state = try #require(h.engine.client("d:org1:sensor:s1"))
        #expect(state.status == .disconnected)
        #expect(state.lastDisconnectTime == t0 + 5000)
        #expect(state.disconnectedBy == .network)
        #expect(state.reasonCode == 160)
        #expect(state.cause == .keepAliveTimeout)
        #expect(state.lastActivityEvent == .disconnect)
        #expect(state.lastActivityTime == t0 + 5000)
        #expect(h.engine.unsavedLog(of: state.clientID).map(\.action) == [.connect, .disconnect])
        #expect(h.engine.disconnectedCount == 1)
    }

    @Test func firesExactlyAtForNotOneMillisecondBefore() throws {
        let h = Harness()
        h.send(connect("s1", at: t0), at: t0)
        h.send(disconnect("s1", at: t0 + minute), at: t0 + minute)
        #expect(h.engine.nextDeadline == t0 + 11 * minute)
        h.advance(to: t0 + 11 * minute - 1)
        #expect(h.take().isEmpty)
        h.advance(to: t0 + 11 * minute)
        let fired = h.take()
        #expect(fired.count == 1)
        let alert = try #require(fired.first?.alert)
        #expect(alert.state == .firing)
        #expect(alert.startsAt == t0 + 11 * minute)
        #expect(alert.activeSince == t0 + minute)
        #expect(alert.labels["alertname"] == "device_offline")
        #expect(alert.labels["client_id"] == "d:org1:sensor:s1")
        #expect(alert.labels["device_id"] == "s1")
        #expect(alert.labels["team"] == "iot")
        #expect(alert.labels["severity"] == "warning")
        #expect(alert.annotations["summary"] == "d:org1:sensor:s1 offline for 10m")
        #expect(alert.fingerprint == alert.labels.fingerprint)
        #expect(h.engine.firingCount == 1)
        // Nothing more fires later.
        h.advance(to: t0 + 100 * minute)
        #expect(h.take().isEmpty)
    }

    @Test func keepFiringForHoldsTheAlertAfterAReturnAndAbsorbsARelapse() throws {
        var rule = offlineRule()
        rule.keepFiringFor = 5 * minute
        let h = Harness(rules: [rule])
        h.send(disconnect("s1", at: t0), at: t0)
        h.advance(to: t0 + 10 * minute)
        let fired = try #require(h.take().first?.alert)
        // Back, then gone again within keep_firing_for: the same alert, nothing new is said.
        h.send(connect("s1", at: t0 + 11 * minute), at: t0 + 11 * minute)
        h.advance(to: t0 + 13 * minute)
        #expect(h.take().isEmpty)
        #expect(h.engine.firingAlerts.map(\.fingerprint) == [fired.fingerprint])
        h.send(disconnect("s1", at: t0 + 13 * minute), at: t0 + 13 * minute)
        h.advance(to: t0 + 30 * minute)
        #expect(h.take().isEmpty)
        #expect(h.engine.firingCount == 1)
        // Back for good: resolves keep_firing_for later, not a millisecond before.
        h.send(connect("s1", at: t0 + 31 * minute), at: t0 + 31 * minute)
        h.advance(to: t0 + 36 * minute - 1)
        #expect(h.take().isEmpty)
        h.advance(to: t0 + 36 * minute)
        let resolved = h.take()
        #expect(resolved.map(\.alert.state) == [.resolved])
        #expect(resolved.first?.alert.fingerprint == fired.fingerprint)
        #expect(resolved.first?.alert.endsAt == t0 + 36 * minute)
        #expect(h.engine.firingCount == 0 && h.engine.firingAlerts.isEmpty)
        // And the next outage is a new alert.
        h.send(disconnect("s1", at: t0 + 40 * minute), at: t0 + 40 * minute)
        h.advance(to: t0 + 50 * minute)
        #expect(h.take().map(\.alert.state) == [.firing])
    }

    @Test func pendingAlertsAreListedUntilTheyFire() {
        let h = Harness()
        h.send(connect("s1", at: t0), at: t0)
        h.send(disconnect("s1", at: t0 + minute), at: t0 + minute)
        #expect(h.engine.pendingCount == 1)
        let pending = h.engine.pendingAlerts(at: t0 + 3 * minute)
        #expect(pending.map(\.state) == [.pending])
        #expect(pending.first?.startsAt == t0 + minute)
        #expect(pending.first?.labels["client_id"] == "d:org1:sensor:s1")
        #expect(pending.first?.annotations["summary"] == "d:org1:sensor:s1 offline for 2m")
        h.advance(to: t0 + 11 * minute)
        #expect(h.engine.pendingCount == 0 && h.engine.pendingAlerts(at: t0 + 11 * minute).isEmpty)
        #expect(h.engine.firingAlerts.count == 1)
    }

    @Test func clientCountsByStatusFollowEveryTransition() {
        let h = Harness()
        h.send(connect("a", at: t0), at: t0)
        h.send(connect("b", at: t0), at: t0)
        h.send(disconnect("b", at: t0 + 1), at: t0 + 1)
        h.send(disconnect("c", at: t0 + 2), at: t0 + 2)
        h.send(connect("a", at: t0 + 3), at: t0 + 3)
        #expect(h.engine.clientCountsByStatus == [.connected: 1, .disconnected: 2, .unknown: 0])
        h.send(connect("c", at: t0 + 4), at: t0 + 4)
        #expect(h.engine.clientCountsByStatus == [.connected: 2, .disconnected: 1, .unknown: 0])
        let counted = Dictionary(grouping: h.engine.clients, by: \.status).mapValues(\.count)
        #expect(counted[.connected] == 2 && counted[.disconnected] == 1)
    }

    @Test func reconnectBeforeForCancelsThePendingAlert() {
        let h = Harness()
        h.send(disconnect("s1", at: t0), at: t0)
        h.send(connect("s1", at: t0 + 9 * minute), at: t0 + 9 * minute)
        h.advance(to: t0 + 60 * minute)
        #expect(h.take().isEmpty)
        #expect(h.engine.firingCount == 0)
    }

    @Test func resolvesOnReconnectWithTheSameFingerprint() throws {
        let h = Harness()
        h.send(disconnect("s1", at: t0), at: t0)
        h.advance(to: t0 + 10 * minute)
        let firing = try #require(h.take().first?.alert)
        h.send(connect("s1", at: t0 + 15 * minute), at: t0 + 15 * minute)
        let resolved = try #require(h.take().first?.alert)
        #expect(resolved.state == .resolved)
        #expect(resolved.fingerprint == firing.fingerprint)
        #expect(resolved.endsAt == t0 + 15 * minute)
        #expect(resolved.startsAt == firing.startsAt)
        #expect(h.engine.firingCount == 0)
    }

    @Test func nothingFiresDuringStartupGrace() throws {
        let h = Harness(rules: [offlineRule(for: minute)], grace: 5 * minute)
        // A retained disconnect from long ago arrives at start.
        var old = disconnect("s1", at: t0 - 60 * minute)
        old.retained = true
        h.send(old, at: t0)
        h.send(disconnect("s2", at: t0 + minute), at: t0 + minute)
        h.advance(to: t0 + 5 * minute - 1)
        #expect(h.take().isEmpty)
        h.advance(to: t0 + 5 * minute)
        let fired = h.take().map(\.alert)
        #expect(fired.count == 2)
        #expect(Set(fired.compactMap { $0.labels["device_id"] }) == ["s1", "s2"])
        #expect(fired.allSatisfy { $0.startsAt == t0 + 5 * minute })
        // The client that was offline for an hour says so.
        let s1 = try #require(fired.first { $0.labels["device_id"] == "s1" })
        #expect(s1.annotations["summary"] == "d:org1:sensor:s1 offline for 1h5m")
    }

    @Test func takeoverDisconnectDoesNotMakeAConnectedClientOffline() throws {
        let h = Harness()
        h.send(connect("s1", at: t0), at: t0)
        h.send(connect("s1", at: t0 + 1000), at: t0 + 1000)
        h.send(
            disconnect("s1", at: t0 + 1500, code: 288, cause: .sessionTakeover, initiator: .server, connectTime: t0),
            at: t0 + 1500
        )
        let state = try #require(h.engine.client("d:org1:sensor:s1"))
        #expect(state.status == .connected)
        #expect(h.engine.counters.takeovers == 1)
        #expect(h.engine.unsavedLog(of: state.clientID).last?.applied == false)
        #expect(h.engine.unsavedLog(of: state.clientID).last?.reasonCode == 288)
        h.advance(to: t0 + 60 * minute)
        #expect(h.take().isEmpty)
        #expect(h.engine.nextDeadline == nil)
    }

    @Test func outOfOrderDisconnectAfterNewerConnectIsIgnored() throws {
        let h = Harness()
        h.send(connect("s1", at: t0 + 10_000), at: t0 + 10_000)
        // A disconnect stamped before the connect arrives late.
        h.send(disconnect("s1", at: t0 + 5000), at: t0 + 11_000)
        let state = try #require(h.engine.client("d:org1:sensor:s1"))
        #expect(state.status == .connected)
        #expect(state.lastDisconnectTime == nil)
        #expect(h.engine.counters.outOfOrder == 1)
        h.advance(to: t0 + 60 * minute)
        #expect(h.take().isEmpty)
    }

    @Test func disconnectOfAnOlderSessionIsIgnored() throws {
        let h = Harness()
        h.send(connect("s1", at: t0 + 60_000), at: t0 + 60_000)
        // Time is after the connect, but the closed connection began a minute earlier.
        h.send(disconnect("s1", at: t0 + 61_000, code: 91, cause: .networkClosed, connectTime: t0), at: t0 + 61_000)
        #expect(h.engine.client("d:org1:sensor:s1")?.status == .connected)
    }

    @Test func futureEventTimesAreClampedToNow() throws {
        let h = Harness()
        h.send(disconnect("s1", at: t0 + 3_600_000), at: t0)
        #expect(h.engine.client("d:org1:sensor:s1")?.lastDisconnectTime == t0)
        #expect(h.engine.nextDeadline == t0 + 10 * minute)
    }

    @Test func matchSelectsClientsByTypeAndGlob() {
        let rule = OfflineRule(
            name: "gateways",
            match: ClientMatcher([(.typeID, [Glob("gw-*")]), (.deviceID, [Glob("north-?")])]),
            forDuration: minute
        )
        let h = Harness(rules: [rule])
        h.send(disconnect("north-1", at: t0, type: "gw-a"), at: t0)
        h.send(disconnect("north-12", at: t0, type: "gw-a"), at: t0)
        h.send(disconnect("north-2", at: t0, type: "sensor"), at: t0)
        h.advance(to: t0 + minute)
        #expect(h.take().map { $0.alert.labels["device_id"] } == ["north-1"])
    }

    @Test func eachRuleAlertsSeparately() {
        let h = Harness(rules: [offlineRule("short", for: minute), offlineRule("long", for: 5 * minute)])
        h.send(disconnect("s1", at: t0), at: t0)
        h.advance(to: t0 + minute)
        #expect(h.take().map(\.alert.rule) == ["short"])
        h.advance(to: t0 + 5 * minute)
        #expect(h.take().map(\.alert.rule) == ["long"])
        h.send(connect("s1", at: t0 + 6 * minute), at: t0 + 6 * minute)
        #expect(h.take().map(\.alert.state) == [.resolved, .resolved])
    }

    @Test func repeatedDisconnectKeepsTheOriginalDeadline() {
        let h = Harness()
        h.send(disconnect("s1", at: t0), at: t0)
        h.send(disconnect("s1", at: t0 + 5 * minute), at: t0 + 5 * minute)
        h.advance(to: t0 + 10 * minute)
        #expect(h.take().count == 1)
    }

    @Test func failedConnectIsLoggedButChangesNoStatus() throws {
        let h = Harness()
        h.send(connect("s1", at: t0), at: t0)
        var failed = disconnect("s1", at: t0 + 1000, code: 180, cause: .auth, initiator: .server)
        failed.action = .failedConnect
        h.send(failed, at: t0 + 1000)
        let state = try #require(h.engine.client("d:org1:sensor:s1"))
        #expect(state.status == .connected)
        #expect(state.lastActivityEvent == .failedConnect)
        #expect(h.engine.unsavedLog(of: state.clientID).count == 2)
    }

    /// The engine keeps no log: each entry is handed to the store once, with the number of
    /// entries a client's saved log keeps (the store keeps the newest that many).
    @Test func connectionLogEntriesAreHandedToTheStoreOnce() throws {
        let engine = Engine(configuration: EngineConfiguration(logCapacity: 3), startTime: t0)
        var changes: [AlertChange] = []
        for i in 0..<10 {
            let event = i.isMultiple(of: 2) ? connect("s1", at: t0 + Int64(i)) : disconnect("s1", at: t0 + Int64(i))
            engine.handle(event, broker: "main", now: t0 + 100, into: &changes)
        }
        let unsaved = engine.takeUnsaved(now: t0 + 100)
        #expect(unsaved.logCapacity == 3)
        #expect(unsaved.log.map(\.entry.time) == (0..<10).map { t0 + Int64($0) })
        #expect(unsaved.log.allSatisfy { $0.clientID == "d:org1:sensor:s1" })
        #expect(engine.takeUnsaved(now: t0 + 100).log.isEmpty, "handed over once")
        // Without a store, nothing is kept.
        let alone = Engine(configuration: EngineConfiguration(logCapacity: 3), startTime: t0)
        alone.keepsLogForStore = false
        alone.handle(connect("s1", at: t0), broker: "main", now: t0, into: &changes)
        #expect(alone.takeUnsaved(now: t0).log.isEmpty)
    }
}

/// The engine's deadline heap (swift-collections' `Heap`): order, what is not due, deferred order.
@Suite struct DeadlineHeapTests {
    /// Arms one fresh slot per deadline, in the given order.
    private func armed(_ deadlines: [Int64], into queue: inout Deadlines) -> [DeadlineState] {
        deadlines.enumerated().map { index, deadline in
            var state = DeadlineState()
            queue.arm(&state, at: deadline, key: DeadlineKey(kind: .offline, first: Int32(index)))
            return state
        }
    }

    @Test func popsInDeadlineOrder() {
        var queue = Deadlines()
        let deadlines: [Int64] = [50, 10, 40, 10, 30, 20, 60, 5]
        _ = armed(deadlines, into: &queue)
        var popped: [Int64] = []
        while let entry = queue.popDue(now: 1000) { popped.append(entry.deadline) }
        #expect(popped == deadlines.sorted())
    }

    @Test func equalDeadlinesPopInTheOrderTheyWereArmed() {
        var queue = Deadlines()
        _ = armed([7, 7, 3, 7, 7], into: &queue)
        var popped: [Int32] = []
        while let entry = queue.popDue(now: 100) { popped.append(entry.key.first) }
        #expect(popped == [2, 0, 1, 3, 4])
    }

    @Test func keepsEntriesThatAreNotDue() {
        var queue = Deadlines()
        _ = armed([100, 200], into: &queue)
        #expect(queue.popDue(now: 99) == nil)
        #expect(queue.popDue(now: 150)?.key.first == 0)
        #expect(queue.nextDeadline == 200)
        #expect(queue.count == 1)
    }

    @Test func entriesAddedUnorderedPopInOrderOnceOrderIsRestored() {
        var generator = SystemRandomNumberGenerator()
        for size in [0, 1, 2, 3, 7, 64, 1000] {
            var queue = Deadlines()
            var deadlines: [Int64] = [500]
            _ = armed([500], into: &queue)
            queue.deferOrder()
            let unordered = (0..<size).map { _ in Int64.random(in: 0..<1000, using: &generator) }
            _ = armed(unordered, into: &queue)
            deadlines += unordered
            queue.restoreOrder()
            _ = armed([250], into: &queue)
            deadlines.append(250)
            #expect(queue.count == deadlines.count)
            var popped: [Int64] = []
            while let entry = queue.popDue(now: 2000) { popped.append(entry.deadline) }
            #expect(popped == deadlines.sorted(), "\(size) unordered entries")
        }
    }
}

@Suite struct EngineSequenceTests {
    private func event(_ action: StatusAction, _ time: Int64, seq: Int64) -> StatusEvent {
        StatusEvent(
            action: action,
            clientID: "pump-17",
            time: time,
            cause: action == .disconnect ? .networkClosed : nil,
            initiator: action == .disconnect ? .network : nil,
            sequence: seq
        )
    }

    @Test func numberedEventsAreOrderedByNumberAndDuplicatesDropped() throws {
        let engine = Engine(configuration: EngineConfiguration(), startTime: t0)
        var changes: [AlertChange] = []
        // Connect #5 and its disconnect carry coarse, equal timestamps; the disconnect comes first.
        engine.handle(event(.connect, t0, seq: 4), broker: "aws", now: t0, into: &changes)
        engine.handle(event(.disconnect, t0 + 10, seq: 5), broker: "aws", now: t0 + 10, into: &changes)
        engine.handle(event(.connect, t0 + 10, seq: 5), broker: "aws", now: t0 + 11, into: &changes)
        var state = try #require(engine.client("pump-17"))
        #expect(state.status == .disconnected, "the connect of session 5 is older than its disconnect")
        // The same disconnect delivered twice is a duplicate.
        engine.handle(event(.disconnect, t0 + 10, seq: 5), broker: "aws", now: t0 + 12, into: &changes)
        #expect(engine.counters.outOfOrder == 2)
        // Session 6 connects.
        engine.handle(event(.connect, t0 + 20, seq: 6), broker: "aws", now: t0 + 20, into: &changes)
        state = try #require(engine.client("pump-17"))
        #expect(state.status == .connected)
        #expect(state.lastSequence == 6)
    }

    @Test func countRestartAfterAnHourOfflineIsAccepted() throws {
        let engine = Engine(configuration: EngineConfiguration(), startTime: t0)
        var changes: [AlertChange] = []
        engine.handle(event(.disconnect, t0, seq: 42), broker: "aws", now: t0, into: &changes)
        engine.handle(
            event(.connect, t0 + 2 * 3_600_000, seq: 0),
            broker: "aws",
            now: t0 + 2 * 3_600_000,
            into: &changes
        )
        #expect(engine.client("pump-17")?.status == .connected)
    }
}

@Suite struct EngineReconfigureTests {
    @Test func unchangedRuleKeepsFiringAlertAndChangedForRetimesPending() throws {
        let h = Harness(rules: [offlineRule("a", for: minute), offlineRule("b", for: 10 * minute)])
        h.send(disconnect("s1", at: t0), at: t0)
        h.advance(to: t0 + minute)
        #expect(h.take().map(\.alert.rule) == ["a"])
        // Reload: "a" unchanged, "b" shortened from 10 to 3 minutes.
        h.engine.reconfigure(
            EngineConfiguration(rules: [offlineRule("a", for: minute), offlineRule("b", for: 3 * minute)]),
            now: t0 + 2 * minute,
            into: &h.changes
        )
        #expect(h.take().isEmpty, "nothing resolves or re-fires for rules that stay")
        #expect(h.engine.firingCount == 1)
        h.advance(to: t0 + 3 * minute - 1)
        #expect(h.take().isEmpty)
        h.advance(to: t0 + 3 * minute)
        #expect(h.take().map(\.alert.rule) == ["b"])
        // The old 10-minute timer of "b" is stale and must not fire again.
        h.advance(to: t0 + 20 * minute)
        #expect(h.take().isEmpty)
    }

    @Test func removedRuleResolvesAndNewRuleTimesFromTheDisconnect() throws {
        let h = Harness(rules: [offlineRule("old", for: minute)])
        h.send(disconnect("s1", at: t0), at: t0)
        h.advance(to: t0 + minute)
        #expect(h.take().count == 1)
        h.engine.reconfigure(
            EngineConfiguration(rules: [offlineRule("new", for: 5 * minute)]),
            now: t0 + 2 * minute,
            into: &h.changes
        )
        let resolved = h.take()
        #expect(resolved.map(\.alert.state) == [.resolved])
        #expect(resolved.first?.alert.endsAt == t0 + 2 * minute)
        #expect(h.engine.firingCount == 0)
        h.advance(to: t0 + 5 * minute)
        let fired = h.take()
        #expect(fired.map(\.alert.rule) == ["new"])
        #expect(fired.first?.alert.activeSince == t0)
        #expect(h.engine.client("d:org1:sensor:s1")?.status == .disconnected, "client state survives a reload")
    }
}

extension EngineConfiguration {
    fileprivate init(rules: [OfflineRule]) {
        self.init(offlineRules: rules)
    }
}

@Suite struct EngineLateEventTests {
    @Test func aLateDisconnectFiresNowAndSaysHowLongTheClientHasReallyBeenOffline() throws {
        let h = Harness()
        h.send(connect("s1", at: t0), at: t0)
        // The disconnect happened at 1m but reaches connwatch only at 20m.
        h.send(disconnect("s1", at: t0 + minute), at: t0 + 20 * minute)
        let alert = try #require(h.take().first?.alert)
        #expect(alert.startsAt == t0 + 20 * minute, "not in the past")
        #expect(alert.activeSince == t0 + minute)
        #expect(alert.annotations["summary"] == "d:org1:sensor:s1 offline for 19m")
    }
}

@Suite struct InactiveRuleTests {
    private let day: Int64 = 86_400_000

    @Test func noSuccessfulConnectForADayFiresAndAConnectResolves() throws {
        let rule = OfflineRule(
            name: "no_connect",
            forDuration: day,
            annotations: OfflineRule.inactiveAnnotations,
            condition: .noConnect
        )
        let h = Harness(rules: [rule])
        h.send(connect("s1", at: t0), at: t0)
        // Connected the whole time but no new connect: the rule is about connects, not status.
        h.advance(to: t0 + day - 1)
        #expect(h.take().isEmpty)
        h.advance(to: t0 + day)
        let alert = try #require(h.take().first?.alert)
        #expect(alert.rule == "no_connect")
        #expect(alert.annotations["summary"] == "d:org1:sensor:s1: no successful connect for 1d")
        // Failed connects are not successful connects.
        var failed = disconnect("s1", at: t0 + day + 1000, code: 180, cause: .auth, initiator: .server)
        failed.action = .failedConnect
        h.send(failed, at: t0 + day + 1000)
        #expect(h.take().isEmpty)
        h.send(connect("s1", at: t0 + day + 2000), at: t0 + day + 2000)
        #expect(h.take().map(\.alert.state) == [.resolved])
        // The clock starts again from that connect.
        h.advance(to: t0 + 2 * day + 2000)
        #expect(h.take().map(\.alert.state) == [.firing])
    }

    @Test func noActivityIsResetByAnyEvent() {
        let rule = OfflineRule(name: "silent", forDuration: 10 * minute, condition: .noActivity)
        let h = Harness(rules: [rule])
        h.send(connect("s1", at: t0), at: t0)
        h.send(disconnect("s1", at: t0 + 9 * minute), at: t0 + 9 * minute)
        h.advance(to: t0 + 18 * minute)
        #expect(h.take().isEmpty)
        h.advance(to: t0 + 19 * minute)
        #expect(h.take().map(\.alert.rule) == ["silent"])
    }

    @Test func inactiveRuleConfiguration() throws {
        let text =
            rulesFixture + """
                  - name: stale
                    kind: inactive
                    for: 1d
                    basis: activity
                """
        let config = try ConfigLoader.load(text: text, file: "rules.yaml")
        #expect(config.offlineRules.first?.condition == .noActivity)
        #expect(config.offlineRules.first?.forDuration == 86_400_000)
    }
}

@Suite struct EngineAlertListingTests {
    let t0: Int64 = 1_790_000_000_000
    let minute: Int64 = 60_000

    @Test func oneClientsAlertsAreReadFromItsOwnSlots() {
        let offline = OfflineRule(name: "pump_offline", forDuration: 10 * minute)
        let drops = CountingRule(name: "drops", kind: .disconnects, count: 2, window: 10 * minute)
        let h = EngineHarness(EngineConfiguration(offlineRules: [offline], countingRules: [drops]))
        for client in 1...3 {
            h.send(deviceEvent(.connect, client, at: t0))
            h.send(deviceEvent(.disconnect, client, at: t0 + minute))
        }
        // Client 1 drops twice: its counting alert fires; its offline alert is pending.
        h.send(deviceEvent(.connect, 1, at: t0 + 2 * minute))
        h.send(deviceEvent(.disconnect, 1, at: t0 + 3 * minute))
        let now = t0 + 4 * minute
        let one = h.engine.alerts(ofClient: "d:org1:pump:pump-1", at: now)
        #expect(one.firing.map(\.rule) == ["drops"])
        #expect(one.pending.map(\.rule) == ["pump_offline"])
        #expect(one.pending.first?.startsAt == t0 + 3 * minute)
        #expect(one.heldBack.isEmpty)
        // The same alerts as the whole listing has for that client.
        let everyPending = h.engine.pendingAlerts(at: now)
        #expect(one.pending == everyPending.filter { $0.labels["client_id"] == "d:org1:pump:pump-1" })
        #expect(h.engine.alerts(ofClient: "d:org1:pump:pump-9", at: now).firing.isEmpty)
        // A limit stops building pending alerts once it is reached.
        #expect(everyPending.count == 3)
        #expect(h.engine.pendingAlerts(at: now, limit: 2) == Array(everyPending.prefix(2)))
        #expect(h.engine.pendingAlerts(at: now, limit: 0).isEmpty)
    }
}
