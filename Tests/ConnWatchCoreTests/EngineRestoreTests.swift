import Testing

@testable import ConnWatchCore

private let t0: Int64 = 1_790_000_000_000
private let minute: Int64 = 60_000

private func sensorEvent(
    _ action: StatusAction,
    _ id: String,
    at time: Int64,
    type: String = "sensor",
    initiator: DisconnectInitiator? = nil
) -> StatusEvent {
    StatusEvent(
        action: action,
        clientID: "d:org1:\(type):\(id)",
        clientType: .device,
        orgID: "org1",
        typeID: type,
        deviceID: id,
        time: time,
        reasonCode: action == .disconnect ? 160 : nil,
        reasonText: action == .disconnect ? "timed out" : nil,
        cause: action == .disconnect ? .keepAliveTimeout : nil,
        initiator: action == .disconnect ? (initiator ?? .network) : nil,
        clientAddress: "10.0.0.1"
    )
}

private let offline = OfflineRule(
    name: "device_offline",
    match: ClientMatcher([(.clientType, [Glob("device")])]),
    forDuration: 10 * minute
)
private let serverKicks = CountingRule(
    name: "kicked",
    kind: .disconnects,
    count: 3,
    window: 10 * minute,
    initiators: [.server]
)
private let fleet = FleetRule(name: "fleet_down", groupBy: .typeID, ratio: 0.5, minClients: 2)

/// Saves like the daemon: the engine's unsaved changes and the notified alerts, merged by key.
private struct SavedCopy {
    var clients: [String: ClientState] = [:]
    var order: [String] = []
    var counters: [String: CounterRecord] = [:]
    var alerts: [String: Alert] = [:]

    mutating func save(_ engine: Engine, changes: [AlertChange], now: Int64) {
        let unsaved = engine.takeUnsaved(now: now)
        for client in unsaved.clients {
            if clients[client.clientID] == nil { order.append(client.clientID) }
            clients[client.clientID] = client
        }
        if unsaved.replaceCounters { counters = [:] }
        for record in unsaved.counters {
            counters[record.rule + "/" + record.key] = record.isLive ? record : nil
        }
        for change in changes {
            alerts[change.alert.fingerprint] = change.alert.state == .firing ? change.alert : nil
        }
    }

    func restore(into engine: Engine, now: Int64, changes: inout [AlertChange]) -> [Alert] {
        engine.restore(
            clients: order.compactMap { clients[$0] },
            counters: Array(counters.values),
            notified: Array(alerts.values),
            now: now,
            into: &changes
        )
    }
}

@Suite struct EngineRestoreTests {
    private func engine(
        offline rules: [OfflineRule] = [offline],
        counting: [CountingRule] = [],
        fleet fleetRules: [FleetRule] = [],
        start: Int64
    ) -> Engine {
        Engine(
            configuration: EngineConfiguration(
                offlineRules: rules,
                countingRules: counting,
                fleetRules: fleetRules,
                startupGrace: 0
            ),
            startTime: start
        )
    }

    @Test func aClientOfflineBeforeTheRestartFiresWhenItsTimeIsUpNotAFullPeriodLater() {
        let first = engine(start: t0)
        var changes: [AlertChange] = []
        first.handle(sensorEvent(.connect, "a", at: t0), broker: "main", now: t0, into: &changes)
        first.handle(sensorEvent(.disconnect, "a", at: t0 + minute), broker: "main", now: t0 + minute, into: &changes)
        var saved = SavedCopy()
        saved.save(first, changes: changes, now: t0 + minute)
        #expect(!first.hasUnsavedChanges)

        let restart = t0 + 9 * minute
        let second = engine(start: restart)
        changes = []
        let restored = saved.restore(into: second, now: restart, changes: &changes)
        #expect(restored.isEmpty && changes.isEmpty)
        #expect(second.client("d:org1:sensor:a")?.status == .disconnected)
        #expect(second.client("d:org1:sensor:a")?.summary.latestRunBegan(.disconnect) == t0 + minute)
        #expect(second.disconnectedCount == 1)
        second.advance(to: t0 + 11 * minute - 1, into: &changes)
        #expect(changes.isEmpty)
        second.advance(to: t0 + 11 * minute, into: &changes)
        #expect(changes.map(\.alert.state) == [.firing])
        #expect(changes.first?.alert.activeSince == t0 + minute)
    }

    @Test func aNotifiedAlertKeepsFiringSilentlyAndResolvesWhenTheClientReturns() {
        let first = engine(start: t0)
        var changes: [AlertChange] = []
        first.handle(sensorEvent(.disconnect, "a", at: t0), broker: "main", now: t0, into: &changes)
        first.advance(to: t0 + 10 * minute, into: &changes)
        #expect(changes.count == 1)
        let fired = changes[0].alert
        var saved = SavedCopy()
        saved.save(first, changes: changes, now: t0 + 10 * minute)

        let second = engine(start: t0 + 20 * minute)
        changes = []
        let restored = saved.restore(into: second, now: t0 + 20 * minute, changes: &changes)
        #expect(restored == [fired])
        #expect(second.firingCount == 1)
        second.advance(to: t0 + 40 * minute, into: &changes)
        #expect(changes.isEmpty)
        second.handle(
            sensorEvent(.connect, "a", at: t0 + 41 * minute),
            broker: "main",
            now: t0 + 41 * minute,
            into: &changes
        )
        #expect(changes.map(\.alert.state) == [.resolved])
        #expect(changes.first?.alert.fingerprint == fired.fingerprint)
        #expect(changes.first?.alert.startsAt == fired.startsAt)
        #expect(second.firingCount == 0)
    }

    @Test func onlyTheSavedAlertWithTheClientsLabelsNowComesBackTheOtherResolves() {
        let first = engine(start: t0)
        var changes: [AlertChange] = []
        first.handle(sensorEvent(.disconnect, "a", at: t0), broker: "main", now: t0, into: &changes)
        first.advance(to: t0 + 10 * minute, into: &changes)
        let fired = changes[0].alert
        var saved = SavedCopy()
        saved.save(first, changes: changes, now: t0 + 10 * minute)
        // An alert of the same rule and client, notified when its rule had another label.
        var labels = fired.labels
        labels["team"] = "old"
        let stale = Alert(
            labels: labels,
            annotations: fired.annotations,
            rule: fired.rule,
            state: .firing,
            activeSince: fired.activeSince,
            startsAt: fired.startsAt - minute
        )
        saved.alerts[stale.fingerprint] = stale

        let second = engine(start: t0 + 20 * minute)
        changes = []
        let restored = saved.restore(into: second, now: t0 + 20 * minute, changes: &changes)
        #expect(restored == [fired])
        #expect(changes.map(\.alert.fingerprint) == [stale.fingerprint])
        #expect(changes.map(\.alert.state) == [.resolved])
        #expect(second.firingCount == 1)

        // With the rule's labels changed, the saved alert is not this slot's: it resolves, and the
        // overdue slot fires under its new labels.
        var team = LabelSet()
        team["team"] = "new"
        let relabelled = OfflineRule(
            name: offline.name,
            match: offline.match,
            forDuration: offline.forDuration,
            labels: team
        )
        let third = engine(offline: [relabelled], start: t0 + 20 * minute)
        changes = []
        #expect(saved.restore(into: third, now: t0 + 20 * minute, changes: &changes).isEmpty)
        #expect(Set(changes.map(\.alert.fingerprint)) == [fired.fingerprint, stale.fingerprint])
        changes = []
        third.advance(to: t0 + 20 * minute, into: &changes)
        #expect(changes.map(\.alert.labels["team"]) == ["new"])
    }

    @Test func aNotifiedAlertWhoseRuleIsGoneResolvesAtTheRestore() {
        let first = engine(start: t0)
        var changes: [AlertChange] = []
        first.handle(sensorEvent(.disconnect, "a", at: t0), broker: "main", now: t0, into: &changes)
        first.advance(to: t0 + 10 * minute, into: &changes)
        var saved = SavedCopy()
        saved.save(first, changes: changes, now: t0 + 10 * minute)

        let renamed = OfflineRule(name: "renamed", match: offline.match, forDuration: 10 * minute)
        let second = engine(offline: [renamed], start: t0 + 12 * minute)
        changes = []
        let restored = saved.restore(into: second, now: t0 + 12 * minute, changes: &changes)
        #expect(restored.isEmpty)
        #expect(changes.map(\.alert.state) == [.resolved])
        #expect(changes.first?.alert.rule == "device_offline")
        #expect(changes.first?.alert.endsAt == t0 + 12 * minute)
        // The renamed rule times the client from its disconnect: overdue, it fires at once.
        changes = []
        second.advance(to: t0 + 12 * minute, into: &changes)
        #expect(changes.map(\.alert.rule) == ["renamed"])
    }

    @Test func countingWindowsSurviveTheRestart() {
        let first = engine(offline: [], counting: [serverKicks], start: t0)
        var changes: [AlertChange] = []
        for index in 0..<2 {
            let time = t0 + Int64(index) * minute
            first.handle(sensorEvent(.connect, "a", at: time), broker: "main", now: time, into: &changes)
            first.handle(
                sensorEvent(.disconnect, "a", at: time + 1000, initiator: .server),
                broker: "main",
                now: time + 1000,
                into: &changes
            )
        }
        #expect(changes.isEmpty)
        var saved = SavedCopy()
        saved.save(first, changes: changes, now: t0 + 2 * minute)
        #expect(saved.counters.count == 1)

        let second = engine(offline: [], counting: [serverKicks], start: t0 + 3 * minute)
        _ = saved.restore(into: second, now: t0 + 3 * minute, changes: &changes)
        let time = t0 + 4 * minute
        second.handle(sensorEvent(.connect, "a", at: time), broker: "main", now: time, into: &changes)
        second.handle(
            sensorEvent(.disconnect, "a", at: time + 1000, initiator: .server),
            broker: "main",
            now: time + 1000,
            into: &changes
        )
        #expect(changes.map(\.alert.state) == [.firing])
        #expect(changes.first?.alert.activeSince == t0 + 1000)

        // Saved while firing, restored: no second notification; resolves when the window empties.
        saved.save(second, changes: changes, now: time + 1000)
        let third = engine(offline: [], counting: [serverKicks], start: time + 2000)
        changes = []
        let restored = saved.restore(into: third, now: time + 2000, changes: &changes)
        #expect(restored.count == 1 && changes.isEmpty)
        third.advance(to: t0 + 10 * minute + 1000 - 1, into: &changes)
        #expect(changes.isEmpty)
        third.advance(to: t0 + 14 * minute + 1000, into: &changes)
        #expect(changes.map(\.alert.state) == [.resolved])
    }

    @Test func aFiringFleetAlertIsRestoredAndStillInhibitsItsClients() {
        let rules = (offline: [offline], fleet: [fleet])
        let first = engine(offline: rules.offline, fleet: rules.fleet, start: t0)
        var changes: [AlertChange] = []
        for id in ["a", "b", "c"] {
            first.handle(sensorEvent(.connect, id, at: t0), broker: "main", now: t0, into: &changes)
        }
        for id in ["a", "b"] {
            first.handle(sensorEvent(.disconnect, id, at: t0 + 1000), broker: "main", now: t0 + 1000, into: &changes)
        }
        first.advance(to: t0 + 10 * minute + 1000, into: &changes)
        #expect(changes.map(\.alert.rule) == ["fleet_down"])
        var saved = SavedCopy()
        saved.save(first, changes: changes, now: t0 + 10 * minute + 1000)

        let second = engine(offline: rules.offline, fleet: rules.fleet, start: t0 + 11 * minute)
        changes = []
        let restored = saved.restore(into: second, now: t0 + 11 * minute, changes: &changes)
        #expect(restored.map(\.rule) == ["fleet_down"])
        second.advance(to: t0 + 30 * minute, into: &changes)
        #expect(changes.isEmpty, "the fleet alert speaks for its clients: \(changes.map(\.alert.rule))")
        // The third client goes too: still one alert for the group.
        second.handle(
            sensorEvent(.disconnect, "c", at: t0 + 31 * minute),
            broker: "main",
            now: t0 + 31 * minute,
            into: &changes
        )
        second.advance(to: t0 + 45 * minute, into: &changes)
        #expect(changes.isEmpty)
    }

    @Test func aKnownClientTheFeedDoesNotMentionBeforeTheGraceEndsCountsAsOffline() {
        var rule = offline
        rule.unseenIsOffline = true
        let first = engine(offline: [rule], start: t0)
        var changes: [AlertChange] = []
        for id in ["a", "b"] {
            first.handle(sensorEvent(.connect, id, at: t0), broker: "main", now: t0, into: &changes)
        }
        var saved = SavedCopy()
        saved.save(first, changes: changes, now: t0)

        let restart = t0 + 60 * minute
        let grace = 2 * minute
        let second = Engine(
            configuration: EngineConfiguration(offlineRules: [rule], startupGrace: grace),
            startTime: restart
        )
        _ = saved.restore(into: second, now: restart, changes: &changes)
        #expect(changes.isEmpty)
        // a's retained status arrives on subscribe; b is never mentioned.
        second.handle(sensorEvent(.connect, "a", at: t0), broker: "main", now: restart + 1000, into: &changes)
        second.advance(to: restart + grace + 10 * minute - 1, into: &changes)
        #expect(changes.isEmpty)
        second.advance(to: restart + grace + 10 * minute, into: &changes)
        #expect(changes.map(\.alert.labels["device_id"]) == ["b"])
        #expect(changes.first?.alert.activeSince == restart + grace)

        // Restarted again while b is still silent: its alert stays firing without a new message.
        saved.save(second, changes: changes, now: restart + grace + 10 * minute)
        let third = Engine(
            configuration: EngineConfiguration(offlineRules: [rule], startupGrace: grace),
            startTime: restart + 20 * minute
        )
        changes = []
        let restored = saved.restore(into: third, now: restart + 20 * minute, changes: &changes)
        #expect(restored.map { $0.labels["device_id"] } == ["b"] && changes.isEmpty)
        third.handle(
            sensorEvent(.connect, "a", at: t0),
            broker: "main",
            now: restart + 20 * minute + 1000,
            into: &changes
        )
        third.advance(to: restart + 60 * minute, into: &changes)
        #expect(changes.isEmpty)
        // b shows up after all: resolved.
        third.handle(
            sensorEvent(.connect, "b", at: restart + 61 * minute),
            broker: "main",
            now: restart + 61 * minute,
            into: &changes
        )
        #expect(changes.map(\.alert.state) == [.resolved])

        // Without the option the same silence says nothing.
        let plain = engine(start: restart)
        changes = []
        _ = saved.restore(into: plain, now: restart, changes: &changes)
        plain.advance(to: restart + 30 * minute, into: &changes)
        #expect(changes.allSatisfy { $0.alert.state == .resolved })
    }

    @Test func onlyTouchedClientsAreUnsavedAndTakingThemMarksThemSaved() {
        let first = engine(start: t0)
        var changes: [AlertChange] = []
        #expect(!first.hasUnsavedChanges)
        for id in ["a", "b", "c"] {
            first.handle(sensorEvent(.connect, id, at: t0), broker: "main", now: t0, into: &changes)
        }
        #expect(first.takeUnsaved(now: t0).clients.map(\.deviceID) == ["a", "b", "c"])
        #expect(!first.hasUnsavedChanges)
        first.handle(sensorEvent(.disconnect, "b", at: t0 + 1), broker: "main", now: t0 + 1, into: &changes)
        first.handle(sensorEvent(.connect, "b", at: t0 + 2), broker: "main", now: t0 + 2, into: &changes)
        let second = first.takeUnsaved(now: t0 + 2)
        #expect(second.clients.map(\.deviceID) == ["b"])
        #expect(second.log.map(\.entry.action) == [.disconnect, .connect], "only what is new since the last take")
        #expect(first.takeUnsaved(now: t0 + 3).clients.isEmpty)
    }
}
