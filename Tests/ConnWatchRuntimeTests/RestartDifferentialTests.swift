import ConnWatchCore
import ConnWatchTestSupport
import Foundation
import Testing

@testable import ConnWatchRuntime

/// A restart must be invisible to the people alerted: an engine saved to a real store and brought
/// back at random points of a generated stream (every rule kind, out-of-order and repeated events,
/// bursts and long silences) tells them exactly what an engine that never stopped tells them — no
/// alert lost, none repeated, none resolved early, the same start times.
///
/// The daemon saves what the engine changed and the alerts it notified, and restores them into a
/// new engine whose start time is the restart (`startup_grace` 0 here, so the grace is not part of
/// the comparison). The streams are generated from fixed seeds: the same cases on every run.
@Suite struct RestartDifferentialTests {
    static let minute: Int64 = 60_000
    static let t0: Int64 = 1_790_000_000_000

    /// Every per-client and counting rule kind, with `for` and windows short enough that the
    /// stream crosses them many times.
    static var configuration: EngineConfiguration {
        var offline = OfflineRule(
            name: "offline",
            match: ClientMatcher([(.clientType, [Glob("device")])]),
            forDuration: 5 * minute
        )
        offline.keepFiringFor = 2 * minute
        return EngineConfiguration(
            offlineRules: [
                offline,
                OfflineRule(name: "no_connect", forDuration: 30 * minute, condition: .noConnect),
                OfflineRule(name: "silent", forDuration: 20 * minute, condition: .noActivity),
            ],
            countingRules: [
                CountingRule(name: "kicked", kind: .disconnects, count: 3, window: 10 * minute, initiators: [.server]),
                CountingRule(
                    name: "refused",
                    kind: .failedConnects,
                    count: 4,
                    window: 10 * minute,
                    grouping: .address
                ),
                CountingRule(name: "flapping", kind: .flapping, count: 6, window: 15 * minute),
            ],
            fleetRules: [
                // Not inhibiting: the hold-down of the client alerts a fleet alert held back, after
                // it resolves, is not saved (a restart during it tells them at once).
                FleetRule(
                    name: "fleet_down",
                    groupBy: .typeID,
                    ratio: 0.5,
                    minClients: 2,
                    forDuration: 3 * minute,
                    inhibit: false
                )
            ],
            startupGrace: 0,
            logCapacity: 5
        )
    }

    /// One notification as the people alerted see it.
    struct Told: Equatable, CustomStringConvertible {
        var fingerprint: String
        var rule: String
        var state: AlertState
        var activeSince: Int64
        var startsAt: Int64
        var endsAt: Int64?
        var about: String

        init(_ change: AlertChange) {
            about =
                change.alert.labels["client_id"] ?? change.alert.labels["client_address"] ?? change.alert.labels[
                    "type_id"
                ] ?? ""
            fingerprint = change.alert.fingerprint
            rule = change.alert.rule
            state = change.alert.state
            activeSince = change.alert.activeSince
            startsAt = change.alert.startsAt
            endsAt = change.alert.endsAt
        }

        var description: String {
            "\(rule) \(about) \(state) since \(activeSince - RestartDifferentialTests.t0) "
                + "starts \(startsAt - RestartDifferentialTests.t0) ends \(endsAt.map { $0 - RestartDifferentialTests.t0 } ?? -1)"
        }
    }

    /// One step of a stream: an event at `now`, or time passing to `now`.
    enum Step {
        case event(StatusEvent, now: Int64)
        case advance(Int64)
    }

    static func stream(seed: UInt64, steps: Int) -> [Step] {
        var random = SeededGenerator(state: seed)
        let clients = 12
        var now = t0
        var result: [Step] = []
        var lastTime: [Int: Int64] = [:]
        // A client flapping: alternate connects and server kicks, seconds apart.
        var burst = (client: 0, left: 0)
        for _ in 0..<steps {
            // Mostly seconds apart, sometimes a burst, sometimes long silences past every `for`.
            switch Int.random(in: 0..<20, using: &random) {
            case 0: now += Int64.random(in: 20 * minute...50 * minute, using: &random)
            case 1...3: now += Int64.random(in: minute...6 * minute, using: &random)
            case 4...7: now += Int64.random(in: 0...100, using: &random)
            default: now += Int64.random(in: 1_000...40_000, using: &random)
            }
            if Int.random(in: 0..<6, using: &random) == 0 {
                result.append(.advance(now))
                continue
            }
            if burst.left == 0, Int.random(in: 0..<25, using: &random) == 0 {
                burst = (Int.random(in: 0..<clients, using: &random), Int.random(in: 4...10, using: &random))
            }
            let bursting = burst.left > 0
            let client = bursting ? burst.client : Int.random(in: 0..<clients, using: &random)
            var action: StatusAction = [.connect, .disconnect, .disconnect, .failedConnect, .failedConnect]
                .randomElement(
                    using: &random
                )!
            if bursting {
                action = burst.left % 2 == 0 ? .disconnect : .connect
                burst.left -= 1
            }
            var time = now - Int64.random(in: 0...2_000, using: &random)
            // Now and then an event older than the client's last one (out of order), or the same
            // event delivered again.
            let previous = lastTime[client] ?? time
            switch Int.random(in: 0..<12, using: &random) {
            case 0: time = previous - Int64.random(in: 1...90_000, using: &random)
            case 1: time = previous
            default: break
            }
            lastTime[client] = max(previous, time)
            let type = client % 3 == 0 ? ClientType.application : .device
            let initiator: DisconnectInitiator =
                bursting ? .server : [.server, .network, .client].randomElement(using: &random)!
            let event = StatusEvent(
                action: action,
                clientID: type == .device ? "d:org:sensor:dev\(client)" : "a:org:app\(client)",
                clientType: type,
                orgID: "org",
                typeID: type == .device ? "sensor" : "",
                deviceID: type == .device ? "dev\(client)" : "",
                time: time,
                reasonCode: action == .connect ? nil : 135,
                reasonText: action == .connect ? nil : "refused",
                cause: action == .disconnect ? (initiator == .server ? .adminKick : .keepAliveTimeout) : nil,
                initiator: action == .disconnect ? initiator : nil,
                clientAddress: "10.0.0.\(client % 4)"
            )
            result.append(.event(event, now: now))
        }
        return result
    }

    /// Runs one step as the daemon does: deadlines due first, then the event.
    static func run(_ step: Step, on engine: Engine) -> [AlertChange] {
        var changes: [AlertChange] = []
        switch step {
        case .event(let event, let now):
            engine.advance(to: now, into: &changes)
            engine.handle(event, broker: "main", now: now, into: &changes)
        case .advance(let now):
            engine.advance(to: now, into: &changes)
        }
        return changes
    }

    /// What an engine that never stops tells.
    static func uninterrupted(_ steps: [Step]) -> [Told] {
        let engine = Engine(configuration: configuration, startTime: t0)
        var told: [Told] = []
        for step in steps {
            told += Self.run(step, on: engine).map(Told.init)
        }
        return told
    }

    /// What an engine saved to `directory`'s store and restored before each step in `restarts`
    /// tells, with what each restore reported (for failure messages).
    static func restarted(_ steps: [Step], at restarts: Set<Int>, directory: String) throws -> [Told] {
        var engine = Engine(configuration: configuration, startTime: t0)
        var store = try StateStore(directory: directory)
        var told: [Told] = []
        var lastNow = t0
        for (position, step) in steps.enumerated() {
            let now: Int64
            switch step {
            case .event(_, let time), .advance(let time): now = time
            }
            if restarts.contains(position) {
                // A clean stop at the last step's time and a start at once (time the daemon is down
                // passes unwatched: what came due meanwhile fires at the start, not when it was due).
                var batch = StateBatch()
                batch.add(engine.takeUnsaved(now: lastNow))
                try store.write(batch)
                store = try StateStore(directory: directory)
                engine = Engine(configuration: configuration, startTime: lastNow)
                var changes: [AlertChange] = []
                _ = try store.restoreState(
                    into: engine,
                    now: lastNow,
                    changes: &changes
                )
                told += try save(changes, to: store)
            }
            told += try save(Self.run(step, on: engine), to: store)
            lastNow = now
        }
        return told
    }

    /// Saves the alerts as notified (firing kept, resolved deleted), as the daemon does once it has
    /// told people; returns what was told.
    static func save(_ changes: [AlertChange], to store: StateStore) throws -> [Told] {
        guard !changes.isEmpty else { return [] }
        var batch = StateBatch()
        for change in changes { batch.alerts[change.alert.fingerprint] = change.alert }
        try store.write(batch)
        return changes.map(Told.init)
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func aRestartAnywhereTellsWhatAnEngineThatNeverStoppedTells(seed: UInt64) throws {
        let steps = Self.stream(seed: seed, steps: 600)
        let expected = Self.uninterrupted(steps)
        // The stream must exercise every rule, or the comparison proves little.
        let rules = Set(expected.map(\.rule))
        #expect(
            rules.isSuperset(of: ["offline", "no_connect", "silent", "kicked", "refused", "flapping", "fleet_down"]),
            "\(rules)"
        )
        var random = SeededGenerator(state: seed &* 7_919)
        let restarts = Set((0..<8).map { _ in Int.random(in: 1..<steps.count, using: &random) })
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let got = try Self.restarted(steps, at: restarts, directory: directory.path)
        let difference =
            zip(expected, got).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            ?? (expected.count == got.count ? nil : min(expected.count, got.count))
        guard let difference else { return }
        let about = (expected.dropFirst(difference).first ?? got[difference]).about
        let events = steps.enumerated().compactMap { position, step -> String? in
            guard case .event(let event, let now) = step, event.clientID == about || event.clientAddress == about else {
                return nil
            }
            return "\(position): \(event.action) at \(event.time - Self.t0) (now \(now - Self.t0))"
        }
        Issue.record(
            """
            seed \(seed): restarts before steps \(restarts.sorted()); first difference at notification \(difference) of \(expected.count):
            events of \(about): \(events.joined(separator: "; "))
            before \(expected.prefix(difference).suffix(3).map(\.description))
            expected \(expected.dropFirst(difference).prefix(4).map(\.description))
            got      \(got.dropFirst(difference).prefix(4).map(\.description))
            all expected of \(about): \(expected.filter { $0.about == about }.map(\.description))
            all got of \(about): \(got.filter { $0.about == about }.map(\.description))
            """
        )
    }
}
