import Testing

@testable import ConnWatchCore

private let t0: Int64 = 1_790_000_000_000
private let minute: Int64 = 60_000

private func status(_ action: StatusAction, _ id: Int, type: String, at time: Int64) -> StatusEvent {
    deviceEvent(action, id, type: type, at: time)
}

private let perClient = OfflineRule(name: "device_offline", forDuration: minute)
private let fleet = FleetRule(name: "type_outage", groupBy: .typeID, ratio: 0.3, minClients: 10)

private typealias Fleet = EngineHarness

@Suite struct FleetRuleTests {
    @Test func stormOfTenThousandDisconnectsIsOneAlert() throws {
        let f = Fleet(EngineConfiguration(offlineRules: [perClient], fleetRules: [fleet]))
        for i in 0..<10_000 { f.send(status(.connect, i, type: "pump", at: t0)) }
        for i in 0..<10_000 { f.send(status(.disconnect, i, type: "pump", at: t0 + 1000 + Int64(i) / 10)) }
        f.advance(to: t0 + 30 * minute)
        let changes = f.take()
        #expect(changes.count == 1, "one message for the outage, not 10 000")
        let alert = try #require(changes.first?.alert)
        #expect(alert.rule == "type_outage")
        #expect(alert.labels["type_id"] == "pump")
        #expect(alert.labels["client_id"] == nil)
        #expect(alert.annotations["summary"] == "pump: 3000 of 10000 clients offline (30%)")
        #expect(f.engine.firingCount == 10_001, "the per-client alerts fire, held back by the fleet alert")
        // Everyone comes back: the fleet alert resolves; held-back alerts resolve silently.
        for i in 0..<10_000 { f.send(status(.connect, i, type: "pump", at: t0 + 31 * minute)) }
        let after = f.take()
        #expect(after.map(\.alert.rule) == ["type_outage"])
        #expect(after.first?.alert.state == .resolved)
        #expect(f.engine.firingCount == 0)
    }

    /// A fleet alert tells the counts of the moment it is sent, and its resolve those of the
    /// moment it resolved, not "3 of 10" from when it first fired.
    @Test func fleetCountsAreThoseOfTheMomentOfSending() throws {
        let f = Fleet(EngineConfiguration(offlineRules: [perClient], fleetRules: [fleet]))
        for i in 0..<10 { f.send(status(.connect, i, type: "pump", at: t0)) }
        for i in 0..<3 { f.send(status(.disconnect, i, type: "pump", at: t0 + 1000)) }
        let fired = try #require(f.take().first?.alert)
        #expect(fired.annotations["summary"] == "pump: 3 of 10 clients offline (30%)")
        for i in 3..<10 { f.send(status(.disconnect, i, type: "pump", at: t0 + 2000)) }
        let now = f.engine.current(fired, at: t0 + 3000)
        #expect(now.annotations["summary"] == "pump: 10 of 10 clients offline (100%)")
        #expect(now.fingerprint == fired.fingerprint && now.labels == fired.labels)
        // Alerts of other rules, and alerts no longer firing, come back as they are.
        var other = fired
        other.rule = "device_offline"
        #expect(f.engine.current(other, at: t0 + 3000) == other)
        for i in 0..<8 { f.send(status(.connect, i, type: "pump", at: t0 + 4000)) }
        let resolved = try #require(f.take().first { $0.alert.rule == "type_outage" }?.alert)
        #expect(resolved.state == .resolved)
        #expect(resolved.annotations["summary"] == "pump: 2 of 10 clients offline (20%)")
        #expect(f.engine.current(fired, at: t0 + 5000) == fired)
    }

    @Test func whenTheFleetRecoversTheStillOfflineClientsAreToldOneByOne() throws {
        let f = Fleet(EngineConfiguration(offlineRules: [perClient], fleetRules: [fleet]))
        for i in 0..<10 { f.send(status(.connect, i, type: "pump", at: t0)) }
        for i in 0..<5 { f.send(status(.disconnect, i, type: "pump", at: t0 + 1000)) }
        #expect(f.take().map(\.alert.rule) == ["type_outage"])
        f.advance(to: t0 + 2 * minute)
        #expect(f.take().isEmpty, "per-client alerts are inhibited")
        // Three come back: 2 of 10 offline is below 30 %.
        for i in 0..<3 { f.send(status(.connect, i, type: "pump", at: t0 + 3 * minute)) }
        #expect(f.take().map { "\($0.alert.rule) \($0.alert.state)" } == ["type_outage resolved"])
        // After the hold-down, the two still offline are told, each on its own.
        f.advance(to: t0 + 4 * minute - 1)
        #expect(f.take().isEmpty)
        f.advance(to: t0 + 4 * minute)
        let told = f.take()
        #expect(told.allSatisfy { $0.alert.state == .firing && $0.alert.rule == "device_offline" })
        #expect(Set(told.compactMap { $0.alert.labels["device_id"] }) == ["pump-3", "pump-4"])
    }

    @Test func otherGroupsAreNotInhibitedAndSmallGroupsNeverFire() {
        let f = Fleet(EngineConfiguration(offlineRules: [perClient], fleetRules: [fleet]))
        for i in 0..<10 { f.send(status(.connect, i, type: "pump", at: t0)) }
        for i in 0..<3 { f.send(status(.connect, i, type: "valve", at: t0)) }
        for i in 0..<5 { f.send(status(.disconnect, i, type: "pump", at: t0 + 1000)) }
        for i in 0..<3 { f.send(status(.disconnect, i, type: "valve", at: t0 + 1000)) }
        f.advance(to: t0 + 2 * minute)
        let rules = f.take().map { "\($0.alert.rule):\($0.alert.labels["type_id"] ?? "")" }
        #expect(rules.filter { $0 == "type_outage:pump" }.count == 1)
        #expect(!rules.contains("type_outage:valve"), "3 clients is below min_clients")
        #expect(rules.filter { $0 == "device_offline:valve" }.count == 3)
        #expect(!rules.contains("device_offline:pump"))
    }

    @Test func forMustHoldBeforeFiring() {
        var rule = fleet
        rule.forDuration = 5 * minute
        let f = Fleet(EngineConfiguration(fleetRules: [rule]))
        for i in 0..<10 { f.send(status(.connect, i, type: "pump", at: t0)) }
        for i in 0..<3 { f.send(status(.disconnect, i, type: "pump", at: t0 + 1000)) }
        f.advance(to: t0 + 1000 + 5 * minute - 1)
        #expect(f.take().isEmpty)
        f.advance(to: t0 + 1000 + 5 * minute)
        #expect(f.take().count == 1)
    }

    @Test func briefDipBelowThresholdCancelsPending() {
        var rule = fleet
        rule.forDuration = 5 * minute
        let f = Fleet(EngineConfiguration(fleetRules: [rule]))
        for i in 0..<10 { f.send(status(.connect, i, type: "pump", at: t0)) }
        for i in 0..<3 { f.send(status(.disconnect, i, type: "pump", at: t0 + 1000)) }
        f.send(status(.connect, 0, type: "pump", at: t0 + minute))
        f.advance(to: t0 + 10 * minute)
        #expect(f.take().isEmpty)
    }

    @Test func countThreshold() {
        let rule = FleetRule(name: "many_down", count: 4)
        #expect(!rule.holds(offline: 3, total: 100))
        #expect(rule.holds(offline: 4, total: 100))
        #expect(FleetRule(name: "x", ratio: 0.5, minClients: 4).holds(offline: 2, total: 4))
        #expect(!FleetRule(name: "x", ratio: 0.5, minClients: 5).holds(offline: 2, total: 4))
        #expect(!FleetRule(name: "no threshold").holds(offline: 10, total: 10))
    }
}
