import ConnWatchTestSupport
import Testing

@testable import ConnWatchCore

/// The fleet counts the engine keeps as events come (``FleetTally``) must always equal a count
/// made from scratch over its clients: through connects, disconnects, failed connects, late and
/// repeated events, clients forgotten (enough for the table to be compacted) and a restore.
@Suite struct FleetTallyTests {
    /// Counts by broker, client type and type id, made by passing over every client.
    static func recount(_ clients: [ClientState]) -> [FleetCountsJSON.Group] {
        var groups: [String: FleetCountsJSON.Group] = [:]
        for client in clients {
            let name = client.broker + "\u{0}" + client.clientType.label + "\u{0}" + client.typeID
            var group =
                groups[name]
                ?? FleetCountsJSON.Group(
                    broker: client.broker,
                    clientType: client.clientType.label,
                    typeID: client.typeID
                )
            group.counts[client.status, default: 0] += 1
            groups[name] = group
        }
        return groups.values.map { group in
            var complete = group
            for status in [ConnectionStatus.connected, .disconnected, .unknown] where complete.counts[status] == nil {
                complete.counts[status] = 0
            }
            return complete
        }.sorted { ($0.broker, $0.clientType, $0.typeID) < ($1.broker, $1.clientType, $1.typeID) }
    }

    static func byStatus(_ clients: [ClientState]) -> [ConnectionStatus: Int] {
        var counts: [ConnectionStatus: Int] = [.connected: 0, .disconnected: 0, .unknown: 0]
        for client in clients { counts[client.status, default: 0] += 1 }
        return counts
    }

    static func expectCountsMatch(_ engine: Engine, _ comment: Comment) {
        #expect(engine.fleetCounts == recount(engine.clients), comment)
        #expect(engine.clientCountsByStatus == byStatus(engine.clients), comment)
    }

    @Test(arguments: [1, 2, 3, 4])
    func keptCountsEqualARecountAtEveryStep(seed: UInt64) {
        var random = SeededGenerator(state: seed)
        let t0: Int64 = 1_790_000_000_000
        let types = ["pump", "valve", "meter"]
        let brokers = ["main", "backup"]
        var engine = Engine(configuration: EngineConfiguration(), startTime: t0)
        var changes: [AlertChange] = []
        var now = t0
        var forgottenTotal = 0
        for step in 0..<3_000 {
            now += Int64(Int.random(in: 0..<5_000, using: &random))
            let client = Int.random(in: 0..<400, using: &random)
            let type = types[client % types.count]
            switch Int.random(in: 0..<20, using: &random) {
            case 0:
                // Forget a handful of clients at once (decommissioned).
                let ids = (0..<8).map { _ in
                    let other = Int.random(in: 0..<400, using: &random)
                    return "d:org1:\(types[other % types.count]):\(types[other % types.count])-\(other)"
                }
                forgottenTotal += engine.forget(ids, reason: "test", at: now, into: &changes).count
            case 1:
                // A late event: older than the client's state.
                let action: StatusAction = Int.random(in: 0..<2, using: &random) == 0 ? .connect : .disconnect
                engine.handle(
                    deviceEvent(action, client, type: type, at: now - 60_000),
                    broker: brokers[client % 2],
                    now: now,
                    into: &changes
                )
            case 2:
                engine.handle(
                    deviceEvent(.failedConnect, client, type: type, at: now),
                    broker: brokers[client % 2],
                    now: now,
                    into: &changes
                )
            default:
                let action: StatusAction = Int.random(in: 0..<2, using: &random) == 0 ? .connect : .disconnect
                engine.handle(
                    deviceEvent(action, client, type: type, at: now),
                    broker: brokers[client % 2],
                    now: now,
                    into: &changes
                )
            }
            if step % 500 == 499 {
                // A restart: a fresh engine restored from the clients the old one knew.
                let restored = Engine(configuration: EngineConfiguration(), startTime: now)
                _ = restored.restore(clients: engine.clients, counters: [], notified: [], now: now, into: &changes)
                Self.expectCountsMatch(restored, "seed \(seed), restored at step \(step)")
                engine = restored
            }
            if step % 50 == 0 { Self.expectCountsMatch(engine, "seed \(seed), step \(step)") }
        }
        Self.expectCountsMatch(engine, "seed \(seed), end")
        #expect(forgottenTotal >= 64, "enough clients forgotten for the table to be compacted")
    }

    @Test func groupsWithoutClientsLeaveWhenTheTableIsCompacted() {
        let t0: Int64 = 1_790_000_000_000
        let engine = Engine(configuration: EngineConfiguration(), startTime: t0)
        var changes: [AlertChange] = []
        for client in 0..<100 {
            engine.handle(
                deviceEvent(.connect, client, type: "type\(client)", at: t0),
                broker: "b",
                now: t0,
                into: &changes
            )
        }
        #expect(engine.fleetCounts.count == 100)
        let gone = (0..<90).map { "d:org1:type\($0):type\($0)-\($0)" }
        #expect(engine.forget(gone, reason: "decommissioned", at: t0 + 1, into: &changes).count == 90)
        #expect(engine.fleetCounts.map(\.typeID) == (90..<100).map { "type\($0)" })
        #expect(engine.fleetTally.groups.count == 10, "the 90 empty groups are dropped with the tombstones")
    }
}
