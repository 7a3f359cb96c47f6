import ConnWatchTestSupport
import Testing

@testable import ConnWatchCore

/// The pending counts and the firing slots the engine keeps as slots change (read by `/metrics`,
/// the rules listing and the alerts listing) must always equal a pass over every slot: through connects, disconnects, deadlines that fire,
/// forgotten clients and compactions, reloads that change the rules, and restores.
@Suite struct PendingCountTests {
    static let t0: Int64 = 1_790_000_000_000

    static func configuration(offlineFor: Int64) -> EngineConfiguration {
        EngineConfiguration(
            offlineRules: [
                OfflineRule(name: "offline", forDuration: offlineFor),
                OfflineRule(name: "never_back", forDuration: 90_000, condition: .noConnect),
                OfflineRule(name: "quiet", forDuration: 120_000, condition: .noActivity),
            ]
        )
    }

    static func expectCountsMatch(_ engine: Engine, _ comment: Comment) {
        let scanned = engine.slots.all.count { $0.phase == .pending }
        #expect(engine.pendingCount == scanned, comment)
        var byRule: [String: Int] = [:]
        for slot in engine.slots.all where slot.phase == .pending {
            byRule[engine.configuration.offlineRules[Int(slot.rule)].name, default: 0] += 1
        }
        #expect(engine.pendingCountsByRule == byRule, comment)
        // The firing slots kept, and the client each belongs to.
        let firing = engine.slots.all.indices.filter {
            engine.slots.all[$0].phase == .firing || engine.slots.all[$0].phase == .cooling
        }
        #expect(engine.slots.firing.sorted() == firing.map(Int32.init), comment)
        for position in firing {
            let client = engine.slots.client(ofSlotAt: Int32(position))
            let row = engine.slots.row(client)
            #expect(row.startIndex <= position && position < row.endIndex, comment)
        }
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func keptCountsEqualAScanAtEveryStep(seed: UInt64) {
        var random = SeededGenerator(state: seed)
        var engine = Engine(configuration: Self.configuration(offlineFor: 60_000), startTime: Self.t0)
        var changes: [AlertChange] = []
        var now = Self.t0
        var sawPending = false
        var sawFiring = false
        for step in 0..<3_000 {
            now += Int64(Int.random(in: 0..<3_000, using: &random))
            let client = Int.random(in: 0..<300, using: &random)
            switch Int.random(in: 0..<40, using: &random) {
            case 0:
                let ids = (0..<6).map { _ in "d:org1:pump:pump-\(Int.random(in: 0..<300, using: &random))" }
                engine.forget(ids, reason: "test", at: now, into: &changes)
            case 1:
                // A reload: the offline rule's `for` changes, re-timing its pending slots.
                let offlineFor = Int64(Int.random(in: 1..<6, using: &random)) * 30_000
                engine.reconfigure(Self.configuration(offlineFor: offlineFor), now: now, into: &changes)
            case 2:
                let restored = Engine(configuration: engine.configuration, startTime: now)
                _ = restored.restore(clients: engine.clients, counters: [], notified: [], now: now, into: &changes)
                Self.expectCountsMatch(restored, "seed \(seed), restored at step \(step)")
                engine = restored
            default:
                let action: StatusAction = Int.random(in: 0..<2, using: &random) == 0 ? .connect : .disconnect
                engine.handle(deviceEvent(action, client, at: now), broker: "main", now: now, into: &changes)
            }
            engine.advance(to: now, into: &changes)
            sawPending = sawPending || engine.pendingCount > 0
            sawFiring = sawFiring || !engine.slots.firing.isEmpty
            if step % 20 == 0 { Self.expectCountsMatch(engine, "seed \(seed), step \(step)") }
        }
        Self.expectCountsMatch(engine, "seed \(seed), end")
        #expect(sawPending, "slots were pending along the way")
        #expect(sawFiring && changes.contains { $0.alert.state == .firing }, "and some fired")
    }
}
