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
