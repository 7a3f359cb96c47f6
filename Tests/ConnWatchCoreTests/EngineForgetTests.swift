import Testing

@testable import ConnWatchCore

private let t0: Int64 = 1_790_000_000_000
private let minute: Int64 = 60_000
private let day: Int64 = 86_400_000

private func event(_ action: StatusAction, _ id: Int, at time: Int64) -> StatusEvent {
    deviceEvent(action, id, at: time)
}

private func id(_ number: Int, type: String = "pump") -> String { "d:org1:\(type):\(type)-\(number)" }

private let offline = OfflineRule(name: "device_offline", forDuration: 10 * minute)
private let flapping = CountingRule(name: "flapping", kind: .disconnects, count: 3, window: 30 * minute)

private typealias Harness = EngineHarness

@Suite struct EngineForgetTests {
    @Test func forgettingAClientResolvesItsAlertsWithAReasonAndRemovesItEverywhere() throws {
        let h = Harness(EngineConfiguration(offlineRules: [offline], countingRules: [flapping]))
        for round in 0..<3 {
            let base = t0 + Int64(round) * 2000
            h.send(event(.connect, 1, at: base))
            h.send(event(.disconnect, 1, at: base + 1000))
        }
        h.send(event(.connect, 2, at: t0))
        h.advance(to: t0 + 20 * minute)
        #expect(Set(h.take().map(\.alert.rule)) == ["device_offline", "flapping"])
        #expect(h.engine.firingCount == 2 && h.engine.disconnectedCount == 1 && h.engine.clientCount == 2)
        _ = h.engine.takeUnsaved(now: t0 + 20 * minute)

        let forgotten = h.engine.forget(
            [id(1), "no-such-client"],
            reason: "decommissioned",
            at: t0 + 21 * minute,
            into: &h.changes
        )
        #expect(forgotten == [id(1)])
        let resolved = h.take()
        #expect(resolved.count == 2)
        for change in resolved {
            #expect(change.alert.state == .resolved)
            #expect(change.alert.labels["client_id"] == id(1))
            #expect(change.alert.annotations["resolved_reason"] == "client forgotten: decommissioned")
            #expect(change.alert.endsAt == t0 + 21 * minute)
        }
        #expect(h.engine.client(id(1)) == nil)
        #expect(h.engine.clients.map(\.clientID) == [id(2)])
        #expect(h.engine.clientCount == 1 && h.engine.firingCount == 0 && h.engine.disconnectedCount == 0)
        #expect(h.engine.clientCountsByStatus == [.connected: 1, .disconnected: 0, .unknown: 0])
        let saved = h.engine.takeUnsaved(now: t0 + 21 * minute)
        #expect(saved.forgotten == [ForgottenClient(clientID: id(1), reason: "decommissioned")])
        #expect(saved.clients.isEmpty)
        #expect(saved.counters.map(\.isLive) == [false], "the client's window is deleted from the store")

        // Heard of again: a new client, with nothing of the old one.
        h.send(event(.disconnect, 1, at: t0 + 22 * minute))
        #expect(h.engine.unsavedLog(of: id(1)).count == 1, "nothing of the old log")
        h.advance(to: t0 + 33 * minute)
        #expect(h.take().map(\.alert.rule) == ["device_offline"])
        #expect(h.engine.takeUnsaved(now: t0 + 33 * minute).clients.map(\.clientID) == [id(1)])
    }

    @Test func aPendingAlertOfAForgottenClientNeverFires() {
        let h = Harness(EngineConfiguration(offlineRules: [offline]))
        h.send(event(.disconnect, 1, at: t0))
        h.engine.forget([id(1)], reason: "gone", at: t0 + minute, into: &h.changes)
        h.advance(to: t0 + day)
        #expect(h.take().isEmpty)
        #expect(h.engine.pendingCount == 0 && h.engine.firingCount == 0)
    }

    @Test func forgetAfterDropsOnlyClientsNotConnectedAndSilentThatLong() throws {
        let configuration = EngineConfiguration(offlineRules: [offline], forgetAfter: 2 * day)
        let h = Harness(configuration)
        h.send(event(.disconnect, 1, at: t0))  // silent from t0: forgotten
        h.send(event(.connect, 2, at: t0))  // connected: kept however long it is silent
        h.send(event(.disconnect, 3, at: t0))
        h.send(event(.connect, 3, at: t0 + day))  // then silent, but connected
        h.send(event(.disconnect, 4, at: t0))
        h.send(event(.connect, 4, at: t0 + day))
        h.send(event(.disconnect, 4, at: t0 + day + 1))  // silent from t0 + 1d: kept until t0 + 3d
        h.advance(to: t0 + 2 * day + 6 * 3_600_000)
        let offlineFired = h.take()
        #expect(offlineFired.map(\.alert.labels["client_id"]).contains(id(1)))
        let known = Set(h.engine.clients.map(\.clientID))
        #expect(known == [id(2), id(3), id(4)])
        let forgotten = h.engine.takeUnsaved(now: t0 + 3 * day).forgotten
        #expect(forgotten == [ForgottenClient(clientID: id(1), reason: "no event for 2d")])
        h.advance(to: t0 + 3 * day + 6 * 3_600_000)
        #expect(Set(h.engine.clients.map(\.clientID)) == [id(2), id(3)])
        let resolved = h.take().filter { $0.alert.state == .resolved }
        #expect(resolved.map(\.alert.labels["client_id"]) == [id(4)])
        #expect(resolved.first?.alert.annotations["resolved_reason"] == "client forgotten: no event for 2d")
    }

    @Test func clientsOfABrokerWhoseFeedIsDownAreNotForgotten() {
        let h = Harness(EngineConfiguration(forgetAfter: day))
        h.send(event(.disconnect, 1, at: t0))
        h.engine.feedDown("main", reason: "refused", at: t0 + minute)
        h.advance(to: t0 + 3 * day)
        #expect(h.engine.clientCount == 1)
        h.engine.feedUp("main", at: t0 + 3 * day, into: &h.changes)
        h.advance(to: t0 + 4 * day)
        #expect(h.engine.clientCount == 0)
    }

    @Test func forgottenOfflineClientsLeaveTheFleetRatio() throws {
        let fleet = FleetRule(name: "type_outage", groupBy: .typeID, ratio: 0.3, minClients: 10)
        let h = Harness(EngineConfiguration(fleetRules: [fleet]))
        for i in 0..<20 { h.send(event(.connect, i, at: t0)) }
        for i in 0..<8 { h.send(event(.disconnect, i, at: t0 + 1000)) }
        h.advance(to: t0 + 2000)
        let fired = try #require(h.take().first?.alert)
        #expect(fired.annotations["summary"] == "pump: 6 of 20 clients offline (30%)")
        // Five of the offline ones are decommissioned: the third brings it under 30 %.
        h.engine.forget((0..<5).map { id($0) }, reason: "decommissioned", at: t0 + 3000, into: &h.changes)
        let resolved = try #require(h.take().first?.alert)
        #expect(resolved.state == .resolved)
        #expect(resolved.annotations["summary"] == "pump: 5 of 17 clients offline (29%)")
        #expect(h.engine.fleetGroups[0][0].total == 15 && h.engine.fleetGroups[0][0].offline == 3)
    }

    /// Forgetting enough clients compacts the table: everything that names a client by its place
    /// (deadlines, fleet groups, counting windows, the store's list) follows it to its new place.
    @Test func compactionKeepsEveryRemainingClientsTimersAndCounts() throws {
        let fleet = FleetRule(name: "type_outage", groupBy: .typeID, ratio: 0.5, minClients: 10, inhibit: false)
        let flapping = CountingRule(name: "flapping", kind: .disconnects, count: 4, window: 30 * minute)
        let h = Harness(
            EngineConfiguration(offlineRules: [offline], countingRules: [flapping], fleetRules: [fleet])
        )
        for i in 0..<300 { h.send(event(.connect, i, at: t0)) }
        // Clients 200..<300 go offline at staggered times; 250..<300 have flapped twice.
        for i in 250..<300 {
            h.send(event(.disconnect, i, at: t0 + 1000))
            h.send(event(.connect, i, at: t0 + 2000))
            h.send(event(.disconnect, i, at: t0 + 3000))
            h.send(event(.connect, i, at: t0 + 4000))
        }
        for i in 200..<300 { h.send(event(.disconnect, i, at: t0 + minute + Int64(i) * 1000)) }
        _ = h.engine.takeUnsaved(now: t0 + 2 * minute)
        // The first 150 (all connected) are forgotten: half the table, so it is compacted.
        h.engine.forget((0..<150).map { id($0) }, reason: "decommissioned", at: t0 + 6 * minute, into: &h.changes)
        #expect(h.engine.tombstones.isEmpty, "the table was compacted")
        #expect(h.engine.table.count == 150)
        #expect(h.take().isEmpty, "connected clients had no alerts; 100 of 300 offline was under the ratio")
        // 100 of 150 offline: over half, the fleet alert fires.
        h.advance(to: t0 + 7 * minute)
        let fleetAlert = try #require(h.take().first?.alert)
        #expect(fleetAlert.rule == "type_outage")
        #expect(fleetAlert.annotations["summary"] == "pump: 100 of 150 clients offline (66%)")
        // Every remaining client's own clocks still run under its id: the flapping ones count a
        // third disconnect, the offline deadlines come due at their own times.
        for i in 250..<300 { h.send(event(.connect, i, at: t0 + 8 * minute)) }
        for i in 250..<300 { h.send(event(.disconnect, i, at: t0 + 8 * minute + 500)) }
        let flaps = h.take().filter { $0.alert.rule == "flapping" }
        #expect(Set(flaps.map { $0.alert.labels["client_id"] ?? "" }) == Set((250..<300).map { id($0) }))
        h.advance(to: t0 + 20 * minute)
        let offlineAlerts = h.take().filter { $0.alert.rule == "device_offline" && $0.alert.state == .firing }
        #expect(offlineAlerts.count == 100, "each offline client fires once, under its own id")
        #expect(Set(offlineAlerts.map { $0.alert.labels["client_id"] ?? "" }) == Set((200..<300).map { id($0) }))
        let firstOfThem = try #require(offlineAlerts.first { $0.alert.labels["client_id"] == id(200) })
        #expect(firstOfThem.alert.startsAt == t0 + minute + 200_000 + 10 * minute)
        #expect(h.engine.client(id(299))?.status == .disconnected)
        #expect(h.engine.client(id(10)) == nil)
        #expect(h.engine.clientCountsByStatus == [.connected: 50, .disconnected: 100, .unknown: 0])
        let unsaved = h.engine.takeUnsaved(now: t0 + 20 * minute)
        #expect(Set(unsaved.clients.map(\.clientID)) == Set((250..<300).map { id($0) }))
        // Every deadline left in the queue belongs to a slot of a client still known.
        h.engine.compactDeadlinesIfNeeded()
        #expect(h.engine.queuedDeadlineCount <= 2 * (150 + 60))
    }

    @Test func aForgottenClientNamedByAGroupWindowKeepsItsStateUntilTheWindowEnds() throws {
        let byAddress = CountingRule(
            name: "address_storm",
            kind: .disconnects,
            count: 2,
            window: 30 * minute,
            grouping: .address
        )
        let h = Harness(EngineConfiguration(countingRules: [byAddress]))
        var last = event(.disconnect, 0, at: t0 + 1000)
        last.clientAddress = "10.0.0.1"
        h.send(last)
        for i in 1..<100 { h.send(event(.connect, i, at: t0)) }
        h.engine.forget((0..<100).map { id($0) }, reason: "decommissioned", at: t0 + 2000, into: &h.changes)
        #expect(h.engine.tombstones.count == 1, "client 0 stays as the window's last client")
        #expect(h.engine.clientCount == 0)
        var second = event(.disconnect, 500, at: t0 + 3000)
        second.clientAddress = "10.0.0.1"
        h.send(second)
        h.advance(to: t0 + 4000)
        let alert = try #require(h.take().first?.alert)
        #expect(alert.labels["client_address"] == "10.0.0.1")
        #expect(h.engine.clientCount == 1)
    }
}
