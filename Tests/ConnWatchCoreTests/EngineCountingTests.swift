import Testing

@testable import ConnWatchCore

private let t0: Int64 = 1_790_000_000_000
private let minute: Int64 = 60_000

private func event(
    _ action: StatusAction,
    _ client: String,
    at time: Int64,
    cause: DisconnectCause? = nil,
    initiator: DisconnectInitiator? = nil,
    code: Int? = nil,
    address: String? = nil,
    type: String = "sensor"
) -> StatusEvent {
    StatusEvent(
        action: action,
        clientID: "d:org1:\(type):\(client)",
        clientType: .device,
        orgID: "org1",
        typeID: type,
        deviceID: client,
        time: time,
        reasonCode: code,
        reasonText: code.map { "code \($0)" },
        cause: cause,
        initiator: initiator,
        clientAddress: address
    )
}

private func serverKick(_ client: String, at time: Int64, type: String = "sensor") -> StatusEvent {
    event(.disconnect, client, at: time, cause: .serverShutdown, initiator: .server, code: 93, type: type)
}

private final class Driver {
    let engine: Engine
    var changes: [AlertChange] = []

    init(_ rules: [CountingRule], grace: Int64 = 0) {
        engine = Engine(configuration: EngineConfiguration(countingRules: rules, startupGrace: grace), startTime: t0)
    }

    func send(_ e: StatusEvent) {
        engine.handle(e, broker: "main", now: e.time, into: &changes)
        engine.advance(to: e.time, into: &changes)
    }

    func advance(to now: Int64) { engine.advance(to: now, into: &changes) }

    func take() -> [AlertChange] {
        defer { changes = [] }
        return changes
    }
}

@Suite struct CountingRuleTests {
    let serverDisconnects = CountingRule(
        name: "server_disconnects",
        kind: .disconnects,
        count: 3,
        window: 15 * minute,
        initiators: [.server]
    )

    @Test func firesAtTheEventThatReachesTheCountAndNotBefore() throws {
        let d = Driver([serverDisconnects])
        d.send(serverKick("s1", at: t0))
        d.send(event(.connect, "s1", at: t0 + minute))
        d.send(serverKick("s1", at: t0 + 2 * minute))
        d.send(event(.connect, "s1", at: t0 + 3 * minute))
        #expect(d.take().isEmpty)
        d.send(serverKick("s1", at: t0 + 4 * minute))
        let fired = d.take()
        #expect(fired.count == 1)
        let alert = try #require(fired.first?.alert)
        #expect(alert.state == .firing)
        #expect(alert.startsAt == t0 + 4 * minute)
        #expect(alert.labels["alertname"] == "server_disconnects")
        #expect(alert.labels["client_id"] == "d:org1:sensor:s1")
        #expect(alert.annotations["summary"] == "d:org1:sensor:s1: 3 disconnects within 15m")
        #expect(alert.annotations["description"] == "Last: server_shutdown by server, code 93: code 93")
    }

    @Test func resolvesWhenTheOldestEventLeavesTheWindow() throws {
        let d = Driver([serverDisconnects])
        for i: Int64 in 0..<3 {
            d.send(serverKick("s1", at: t0 + i * minute))
            d.send(event(.connect, "s1", at: t0 + i * minute + 1000))
        }
        #expect(d.take().count == 1)
        d.advance(to: t0 + 15 * minute - 1)
        #expect(d.take().isEmpty)
        d.advance(to: t0 + 15 * minute)
        let resolved = d.take()
        #expect(resolved.map(\.alert.state) == [.resolved])
        #expect(resolved.first?.alert.endsAt == t0 + 15 * minute)
    }

    @Test func aNewEventWhileFiringKeepsItFiring() {
        let d = Driver([serverDisconnects])
        for i: Int64 in 0..<3 {
            d.send(serverKick("s1", at: t0 + i * minute))
            d.send(event(.connect, "s1", at: t0 + i * minute + 1000))
        }
        _ = d.take()
        d.send(serverKick("s1", at: t0 + 10 * minute))
        #expect(d.take().isEmpty, "still firing: no second notification")
        d.advance(to: t0 + 15 * minute)
        #expect(d.take().isEmpty, "events at 1, 2 and 10 minutes still make three within 15 minutes")
        d.advance(to: t0 + 16 * minute)
        #expect(d.take().map(\.alert.state) == [.resolved])
    }

    @Test func filtersByInitiatorCauseAndCode() {
        let byCode = CountingRule(name: "kicks", kind: .disconnects, count: 2, window: 10 * minute, reasonCodes: [94])
        let d = Driver([serverDisconnects, byCode])
        // Client-initiated and network disconnects do not count for a server-only rule.
        d.send(event(.disconnect, "s1", at: t0, cause: .clean, initiator: .client, code: 0))
        d.send(event(.connect, "s1", at: t0 + 1000))
        d.send(event(.disconnect, "s1", at: t0 + 2000, cause: .keepAliveTimeout, initiator: .network, code: 160))
        d.send(event(.connect, "s1", at: t0 + 3000))
        d.send(event(.disconnect, "s1", at: t0 + 4000, cause: .adminKick, initiator: .server, code: 94))
        d.send(event(.connect, "s1", at: t0 + 5000))
        #expect(d.take().isEmpty)
        d.send(event(.disconnect, "s1", at: t0 + 6000, cause: .adminKick, initiator: .server, code: 94))
        #expect(d.take().map(\.alert.rule) == ["kicks"])
    }

    @Test func takeoversAndDuplicatesDoNotCount() {
        let any = CountingRule(name: "any", kind: .disconnects, count: 2, window: 10 * minute)
        let d = Driver([any])
        d.send(event(.connect, "s1", at: t0))
        d.send(event(.disconnect, "s1", at: t0 + 1000, cause: .sessionTakeover, initiator: .server, code: 288))
        d.send(serverKick("s1", at: t0 + 2000))
        // The same retained disconnect delivered again after a broker reconnect.
        d.send(serverKick("s1", at: t0 + 2000))
        #expect(d.take().isEmpty)
    }

    @Test func failedConnectsPerAddressAcrossClientIDs() throws {
        let rule = CountingRule(
            name: "brute_force",
            kind: .failedConnects,
            count: 3,
            window: 5 * minute,
            grouping: .address
        )
        let d = Driver([rule])
        for (i, client) in ["a", "b", "c"].enumerated() {
            d.send(
                event(
                    .failedConnect,
                    client,
                    at: t0 + Int64(i) * 1000,
                    cause: .auth,
                    initiator: .server,
                    code: 180,
                    address: "203.0.113.9"
                )
            )
        }
        d.send(
            event(
                .failedConnect,
                "z",
                at: t0 + 4000,
                cause: .auth,
                initiator: .server,
                code: 180,
                address: "198.51.100.1"
            )
        )
        let fired = d.take()
        #expect(fired.count == 1)
        let alert = try #require(fired.first?.alert)
        #expect(alert.labels["client_address"] == "203.0.113.9")
        #expect(alert.labels["client_id"] == nil, "an address alert is not about one client")
    }

    @Test func groupedByLabelGivesOneAlertForTheGroup() throws {
        let rule = CountingRule(
            name: "type_kicks",
            kind: .disconnects,
            count: 3,
            window: 5 * minute,
            grouping: .label(.typeID)
        )
        let d = Driver([rule])
        for client in ["p1", "p2", "p3", "p4"] { d.send(serverKick(client, at: t0 + 1000, type: "pump")) }
        let fired = d.take()
        #expect(fired.count == 1)
        #expect(fired.first?.alert.labels["type_id"] == "pump")
        #expect(fired.first?.alert.annotations["summary"] == "pump: 3 disconnects within 5m")
    }

    @Test func startupGraceDefersAndReChecks() {
        let d = Driver([serverDisconnects], grace: 5 * minute)
        for i: Int64 in 0..<3 {
            d.send(serverKick("s1", at: t0 + i * 1000))
            d.send(event(.connect, "s1", at: t0 + i * 1000 + 500))
        }
        #expect(d.take().isEmpty)
        d.advance(to: t0 + 5 * minute)
        #expect(d.take().map(\.alert.startsAt) == [t0 + 5 * minute])
    }

    @Test func reloadKeepsCountsOfRulesThatStay() {
        let d = Driver([serverDisconnects])
        d.send(serverKick("s1", at: t0))
        d.send(event(.connect, "s1", at: t0 + 1000))
        d.send(serverKick("s1", at: t0 + 2000))
        d.send(event(.connect, "s1", at: t0 + 3000))
        d.engine.reconfigure(EngineConfiguration(countingRules: [serverDisconnects]), now: t0 + 4000, into: &d.changes)
        d.send(serverKick("s1", at: t0 + 5000))
        #expect(d.take().count == 1, "the two counts from before the reload still count")
    }
}

@Suite struct FlappingRuleTests {
    let flapping = CountingRule(name: "flapping", kind: .flapping, count: 6, window: 10 * minute)
    let offline = OfflineRule(name: "offline", forDuration: 2 * minute)

    private func driver() -> Driver {
        let engine = EngineConfiguration(offlineRules: [offline], countingRules: [flapping])
        return Driver(engine)
    }

    @Test func firesAtTheSixthStateChangeAndResolvesBelowHalf() throws {
        let d = driver()
        d.send(event(.connect, "s1", at: t0))  // unknown → connected is not a change of a known state
        var time = t0
        for i in 0..<6 {
            time += 30_000
            d.send(
                event(
                    i.isMultiple(of: 2) ? .disconnect : .connect,
                    "s1",
                    at: time,
                    cause: .networkClosed,
                    initiator: .network
                )
            )
            if i < 5 { #expect(d.take().isEmpty, "change \(i + 1)") }
        }
        let fired = d.take()
        #expect(fired.map(\.alert.rule) == ["flapping"])
        #expect(fired.first?.alert.annotations["summary"] == "d:org1:sensor:s1: 6 connection state changes within 10m")
        // Hysteresis: it stays firing while 3 or more changes remain in the window (resolve below 6 / 2).
        // The 4th change (t0 + 2m) leaves the window at t0 + 12m: then only 2 remain.
        d.advance(to: t0 + 12 * minute - 1)
        #expect(d.take().isEmpty)
        d.advance(to: t0 + 12 * minute)
        #expect(d.take().map { "\($0.alert.rule) \($0.alert.state)" } == ["flapping resolved"])
    }

    @Test func aFlappingClientsOfflineAlertIsHeldBackAndToldIfItStaysOffline() {
        let d = driver()
        d.send(event(.connect, "s1", at: t0))
        var time = t0
        for i in 0..<7 {
            time += 10_000
            d.send(
                event(
                    i.isMultiple(of: 2) ? .disconnect : .connect,
                    "s1",
                    at: time,
                    cause: .networkClosed,
                    initiator: .network
                )
            )
        }
        // The 7th change left it disconnected at t0 + 70 s; the offline rule's 2 minutes pass.
        d.advance(to: t0 + 70_000 + 2 * minute)
        #expect(d.take().map(\.alert.rule) == ["flapping"], "only the flapping alert speaks for the client")
        // Flapping ends (fewer than 3 changes in 10 minutes) while the client is still offline:
        // after a minute's hold-down the offline alert is told.
        d.advance(to: t0 + 50_000 + 10 * minute)
        #expect(d.take().map { "\($0.alert.rule) \($0.alert.state)" } == ["flapping resolved"])
        d.advance(to: t0 + 50_000 + 11 * minute)
        #expect(d.take().map { "\($0.alert.rule) \($0.alert.state)" } == ["offline firing"])
    }
}

extension Driver {
    fileprivate convenience init(_ configuration: EngineConfiguration) {
        self.init([])
        engine.reconfigure(configuration, now: t0, into: &changes)
    }
}
