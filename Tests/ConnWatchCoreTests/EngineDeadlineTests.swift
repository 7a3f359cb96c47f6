import Testing

@testable import ConnWatchCore

private let t0: Int64 = 1_790_000_000_000
private let minute: Int64 = 60_000
private let day: Int64 = 1440 * minute

private func event(
    _ action: StatusAction,
    _ id: String,
    at time: Int64,
    cause: DisconnectCause? = nil,
    initiator: DisconnectInitiator? = nil,
    address: String? = nil
) -> StatusEvent {
    StatusEvent(
        action: action,
        clientID: "d:org1:sensor:\(id)",
        clientType: .device,
        orgID: "org1",
        typeID: "sensor",
        deviceID: id,
        time: time,
        reasonCode: action == .connect ? nil : 5,
        cause: cause,
        initiator: initiator ?? (action == .disconnect ? .network : nil),
        clientAddress: address
    )
}

/// Drives an engine like the daemon: handle, then advance to the same time. Events arrive on
/// time, so windows are kept no longer than they count (`max_lateness` 0; EngineLatenessTests
/// covers windows kept for late events).
private final class Driver {
    let engine: Engine
    var changes: [AlertChange] = []

    init(offline: [OfflineRule] = [], counting: [CountingRule] = [], grace: Int64 = 0) {
        engine = Engine(
            configuration: EngineConfiguration(
                offlineRules: offline,
                countingRules: counting,
                startupGrace: grace,
                maxLateness: 0
            ),
            startTime: t0
        )
    }

    func send(_ e: StatusEvent, now: Int64? = nil) {
        engine.handle(e, broker: "main", now: now ?? e.time, into: &changes)
        engine.advance(to: now ?? e.time, into: &changes)
    }

    func advance(to now: Int64) { engine.advance(to: now, into: &changes) }

    func take() -> [AlertChange] {
        defer { changes = [] }
        return changes
    }
}

private let inactive = OfflineRule(name: "inactive", forDuration: day, condition: .noActivity)
private let offline = OfflineRule(name: "offline", forDuration: 30 * minute)
private let drops = CountingRule(name: "drops", kind: .disconnects, count: 5, window: day)
private let refused = CountingRule(
    name: "refused",
    kind: .failedConnects,
    count: 5,
    window: 10 * minute,
    grouping: .address
)

@Suite struct EngineDeadlineTests {
    @Test func reArmedSlotsKeepOneQueuedDeadlineEachHoweverManyEvents() {
        let d = Driver(offline: [offline, inactive], counting: [drops])
        for index in 0..<200_000 {
            let client = "s-\(index % 10)"
            let connect = (index / 10).isMultiple(of: 2)
            d.send(event(connect ? .connect : .disconnect, client, at: t0 + Int64(index) * 10))
            if index.isMultiple(of: 10_000) {
                // Ten clients, three slots each (offline, inactive, the firing drops counter).
                #expect(d.engine.queuedDeadlineCount <= 2 * 30 + 64)
            }
        }
        #expect(d.engine.queuedDeadlineCount <= 2 * 30 + 64)
        #expect(d.engine.firingCount == 10)  // the drops counters
    }

    @Test func failedConnectGroupsAreFreedOnceTheirWindowEmpties() {
        let d = Driver(counting: [refused])
        // 100 000 attempts from distinct addresses, 100 ms apart: 6 000 within any 10 minutes.
        // With that many windows the rule's sweep runs every quarter window: a window is freed
        // at most 2.5 minutes (1 500 attempts) after its last attempt left it.
        var most = 0
        var mostQueued = 0
        for index in 0..<100_000 {
            let address = "10.\(index >> 16).\((index >> 8) & 255).\(index & 255)"
            d.send(event(.failedConnect, "s-\(index % 10)", at: t0 + Int64(index) * 100, address: address))
            most = max(most, d.engine.counterGroupCount)
            mostQueued = max(mostQueued, d.engine.queuedDeadlineCount)
        }
        #expect(most <= 6_001 + 1_500)
        // Idle windows have no deadline of their own: the rule's sweep is the only one.
        #expect(mostQueued <= 2)
        d.advance(to: t0 + 100_000 * 100 + 10 * minute + 10 * minute / 4)
        #expect(d.engine.counterGroupCount == 0)
        #expect(d.engine.queuedDeadlineCount == 0)
        #expect(d.take().isEmpty)
    }

    @Test func slotsStayPacked() {
        // Every client pays for these: an offline slot per offline rule, a window per counting rule.
        #expect(MemoryLayout<DeadlineState>.size == 12)
        #expect(MemoryLayout<OfflineSlot>.stride == 24)
        #expect(MemoryLayout<CounterSlot>.stride == 32)
        // And a queued deadline per armed slot.
        #expect(MemoryLayout<Deadlines.Entry>.stride == 24)
    }

    @Test func offlineSlotsKeepTheirRuleAndFlagsApart() {
        var slot = OfflineSlot(rule: Int32(OfflineSlot.maxRules - 1))
        slot.phase = .cooling
        slot.paused = true
        #expect(slot.rule == Int32(OfflineSlot.maxRules - 1) && !slot.notified)
        slot.rule = 3
        slot.notified = true
        slot.paused = false
        #expect(slot.rule == 3 && slot.phase == .cooling && slot.notified && !slot.paused)
        slot.phase = .idle
        #expect(slot.rule == 3 && slot.phase == .idle && slot.notified)
    }

    @Test func aGroupThatFiredIsFreedOnlyAfterItResolvesAndItsWindowEmpties() throws {
        let d = Driver(counting: [refused])
        for index in 0..<5 {
            d.send(event(.failedConnect, "a", at: t0 + Int64(index) * minute, address: "192.0.2.1"))
        }
        let fired = d.take()
        #expect(fired.map(\.alert.state) == [.firing])
        #expect(fired.first?.alert.startsAt == t0 + 4 * minute)
        // Resolves when the first of the five leaves the window, at 10 minutes.
        d.advance(to: t0 + 10 * minute - 1)
        #expect(d.take().isEmpty && d.engine.counterGroupCount == 1)
        d.advance(to: t0 + 10 * minute)
        let resolved = d.take()
        #expect(resolved.map(\.alert.state) == [.resolved])
        #expect(resolved.first?.alert.endsAt == t0 + 10 * minute)
        #expect(d.engine.counterGroupCount == 1)  // four times still in the window
        d.advance(to: t0 + 14 * minute)
        #expect(d.engine.counterGroupCount == 0)
        // Counted afresh from an empty window: one attempt does not fire.
        d.send(event(.failedConnect, "a", at: t0 + 15 * minute, address: "192.0.2.1"))
        #expect(d.take().isEmpty && d.engine.counterGroupCount == 1)
    }

    @Test func aWindowCountedAgainBeforeItsSweepCountsOnlyItsNewTimes() throws {
        let d = Driver(counting: [refused])
        // 100 groups: the rule's sweep runs at most every 2.5 minutes, so a window can outlive its
        // times a little; counted again meanwhile, it counts as if it had been freed.
        for group in 0..<100 {
            for attempt in 0..<4 {
                let time = t0 + Int64(attempt) * minute + Int64(group)
                d.send(event(.failedConnect, "a", at: time, address: "192.0.2.\(group)"))
            }
        }
        let later = t0 + 13 * minute + 30_000  // every window emptied 10 to 30 s ago
        d.send(event(.failedConnect, "a", at: later, address: "192.0.2.99"))
        #expect(d.take().isEmpty)
        for attempt in 1..<5 {
            d.send(event(.failedConnect, "a", at: later + Int64(attempt) * 1000, address: "192.0.2.99"))
        }
        let fired = try #require(d.take().first?.alert)
        #expect(fired.state == .firing && fired.activeSince == later && fired.startsAt == later + 4000)
        d.advance(to: later + 4000 + 10 * minute + 10 * minute / 4)
        #expect(d.take().map(\.alert.state) == [.resolved])
        #expect(d.engine.counterGroupCount == 0 && d.engine.queuedDeadlineCount == 0)
    }

    @Test func aLaterReArmFiresAtTheLatestDeadline() throws {
        let d = Driver(offline: [OfflineRule(name: "inactive", forDuration: 10 * minute, condition: .noActivity)])
        d.send(event(.connect, "a", at: t0))
        d.send(event(.failedConnect, "a", at: t0 + 3 * minute))
        d.send(event(.failedConnect, "a", at: t0 + 6 * minute))
        d.advance(to: t0 + 16 * minute - 1)
        #expect(d.take().isEmpty)
        #expect(d.engine.queuedDeadlineCount == 1)
        d.advance(to: t0 + 16 * minute)
        let alert = try #require(d.take().first?.alert)
        #expect(alert.state == .firing && alert.startsAt == t0 + 16 * minute && alert.activeSince == t0 + 6 * minute)
        #expect(d.engine.queuedDeadlineCount == 0)
    }

    @Test func aLateEventOlderThanTheLatestActivityLeavesTheInactivityClockAlone() throws {
        let d = Driver(offline: [OfflineRule(name: "inactive", forDuration: 10 * minute, condition: .noActivity)])
        d.send(event(.connect, "a", at: t0))
        d.send(event(.failedConnect, "a", at: t0 + 5 * minute))
        // A takeover reported late, from before the latest activity: the silence began at t0 + 5m.
        d.send(event(.disconnect, "a", at: t0 + minute, cause: .sessionTakeover), now: t0 + 6 * minute)
        d.advance(to: t0 + 15 * minute - 1)
        #expect(d.take().isEmpty)
        d.advance(to: t0 + 15 * minute)
        let alert = try #require(d.take().first?.alert)
        #expect(alert.startsAt == t0 + 15 * minute && alert.activeSince == t0 + 5 * minute)
        // The same event delivered again late, at the time the silence began, ends nothing: no
        // resolve-and-fire-again.
        d.send(event(.failedConnect, "a", at: t0 + 5 * minute), now: t0 + 20 * minute)
        d.advance(to: t0 + 30 * minute)
        #expect(d.take().isEmpty)
        #expect(d.engine.firingCount == 1)
    }

    @Test func aCoolingAlertReArmedLaterResolvesAtTheLastReturnPlusKeepFiringFor() throws {
        var rule = OfflineRule(name: "offline", forDuration: 5 * minute)
        rule.keepFiringFor = 10 * minute
        let d = Driver(offline: [rule])
        d.send(event(.connect, "a", at: t0))
        d.send(event(.disconnect, "a", at: t0 + minute))
        d.advance(to: t0 + 6 * minute)
        #expect(d.take().map(\.alert.state) == [.firing])
        d.send(event(.connect, "a", at: t0 + 7 * minute))  // cooling until 17
        d.send(event(.disconnect, "a", at: t0 + 8 * minute))  // firing again
        d.send(event(.connect, "a", at: t0 + 9 * minute))  // cooling until 19
        d.advance(to: t0 + 19 * minute - 1)
        #expect(d.take().isEmpty)
        d.advance(to: t0 + 19 * minute)
        let resolved = try #require(d.take().first?.alert)
        #expect(resolved.state == .resolved && resolved.endsAt == t0 + 19 * minute)
    }

    @Test func aFiringCounterResolvesAtItsLatestResolveDeadline() throws {
        let kicks = CountingRule(name: "kicks", kind: .disconnects, count: 3, window: 10 * minute)
        let d = Driver(counting: [kicks])
        for index in 0..<5 {
            d.send(event(.connect, "a", at: t0 + Int64(index) * minute))
            d.send(event(.disconnect, "a", at: t0 + Int64(index) * minute + 1000))
        }
        #expect(d.take().map(\.alert.state) == [.firing])
        // The last three kicks (2, 3, 4 minutes) hold it until the first of them is 10 minutes old.
        d.advance(to: t0 + 12 * minute + 1000 - 1)
        #expect(d.take().isEmpty)
        d.advance(to: t0 + 12 * minute + 1000)
        let resolved = try #require(d.take().first?.alert)
        #expect(resolved.state == .resolved && resolved.endsAt == t0 + 12 * minute + 1000)
    }

    @Test func aFreedGroupIsDeletedFromTheStoreAndNotRestored() {
        let d = Driver(counting: [refused])
        var store: [String: CounterRecord] = [:]
        func save(now: Int64) {
            let unsaved = d.engine.takeUnsaved(now: now)
            for record in unsaved.counters { store[record.key] = record.isLive ? record : nil }
        }
        d.send(event(.failedConnect, "a", at: t0, address: "192.0.2.1"))
        d.send(event(.failedConnect, "a", at: t0 + minute, address: "192.0.2.1"))
        save(now: t0 + minute)
        #expect(Array(store.keys) == ["192.0.2.1"])
        d.advance(to: t0 + 11 * minute)  // the window empties: freed
        #expect(d.engine.counterGroupCount == 0)
        // A new address takes the freed position; the store deletes the old one and keeps the new.
        d.send(event(.failedConnect, "a", at: t0 + 12 * minute, address: "192.0.2.2"))
        #expect(d.engine.counterGroupCount == 1)
        save(now: t0 + 12 * minute)
        #expect(Array(store.keys) == ["192.0.2.2"])
        #expect(!d.engine.hasUnsavedChanges)

        // Restarted from the store: only the live group comes back, and counts on.
        let restarted = Engine(
            configuration: EngineConfiguration(countingRules: [refused], maxLateness: 0),
            startTime: t0 + 13 * minute
        )
        var changes: [AlertChange] = []
        let clients = d.engine.clients
        restarted.restore(
            clients: clients,
            counters: Array(store.values),
            notified: [],
            now: t0 + 13 * minute,
            into: &changes
        )
        #expect(restarted.counterGroupCount == 1)
        for index in 0..<4 {
            let time = t0 + 14 * minute + Int64(index) * 1000
            restarted.handle(
                event(.failedConnect, "a", at: time, address: "192.0.2.2"),
                broker: "main",
                now: time,
                into: &changes
            )
        }
        #expect(changes.map(\.alert.state) == [.firing])
        // And the restored group is freed (and deleted) once its window empties.
        changes = []
        restarted.advance(to: t0 + 14 * minute + 3000 + 10 * minute, into: &changes)
        #expect(changes.map(\.alert.state) == [.resolved])
        #expect(restarted.counterGroupCount == 0)
        let last = restarted.takeUnsaved(now: t0 + 25 * minute)
        #expect(last.counters.map(\.isLive) == [false])
    }

    @Test func aReloadKeepsTheDeadlinesOfKeptSlots() throws {
        let d = Driver(offline: [offline, inactive])
        d.send(event(.connect, "a", at: t0))
        d.send(event(.disconnect, "a", at: t0 + minute))
        var changes: [AlertChange] = []
        d.engine.reconfigure(
            EngineConfiguration(offlineRules: [inactive, offline]),
            now: t0 + 2 * minute,
            into: &changes
        )
        #expect(changes.isEmpty)
        d.advance(to: t0 + 31 * minute - 1)
        #expect(d.take().isEmpty)
        d.advance(to: t0 + 31 * minute)
        #expect(d.take().map(\.alert.rule) == ["offline"])
        d.advance(to: t0 + minute + day)
        #expect(d.take().map(\.alert.rule) == ["inactive"])
        #expect(d.engine.queuedDeadlineCount <= 2)
    }
}
