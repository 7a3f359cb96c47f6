import Testing

@testable import ConnWatchCore

/// Counting windows follow when events happened: a burst delivered late (queued while connwatch
/// or the network was down) still counts, up to `max_lateness`; later ones are noted, not counted.
@Suite struct EngineLatenessTests {
    private let t0: Int64 = 1_790_000_000_000
    private let minute: Int64 = 60_000
    private let rule = CountingRule(name: "auth_failures", kind: .failedConnects, count: 3, window: 60_000)

    private func failure(at time: Int64) -> StatusEvent {
        StatusEvent(
            action: .failedConnect,
            clientID: "d:org1:pump:pump-1",
            clientType: .device,
            time: time,
            reasonCode: 181,
            cause: .auth,
            initiator: .server
        )
    }

    /// Three failures 10 s apart at t0, all delivered at `arrival`.
    private func burst(into engine: Engine, arrival: Int64, changes: inout [AlertChange]) {
        for i: Int64 in 0..<3 {
            engine.handle(failure(at: t0 + i * 10_000), broker: "main", now: arrival + i, into: &changes)
            engine.advance(to: arrival + i, into: &changes)
        }
    }

    @Test func aBurstDeliveredLateFiresAndLastsAsLongAsItWouldHaveOnTime() {
        let engine = Engine(configuration: EngineConfiguration(countingRules: [rule]), startTime: t0 - minute)
        var changes: [AlertChange] = []
        let arrival = t0 + 5 * minute  // the window closed four minutes ago
        burst(into: engine, arrival: arrival, changes: &changes)
        #expect(changes.map(\.alert.state) == [.firing], "\(changes)")
        #expect(changes.first?.alert.startsAt == t0 + 20_000, "the alert says when the burst happened")
        changes = []
        // On time it would have held from t0+20s until t0+60s (40 s): late, it holds 40 s from arrival.
        engine.advance(to: arrival + 39_000, into: &changes)
        #expect(changes.isEmpty, "\(changes)")
        engine.advance(to: arrival + 41_000, into: &changes)
        #expect(changes.map(\.alert.state) == [.resolved], "\(changes)")
        #expect(engine.counters.tooLate == 0)
    }

    @Test func eventsLaterThanMaxLatenessAreNotCountedAndNoted() {
        let configuration = EngineConfiguration(countingRules: [rule], maxLateness: 10 * minute)
        let engine = Engine(configuration: configuration, startTime: t0 - minute)
        var changes: [AlertChange] = []
        burst(into: engine, arrival: t0 + 11 * minute, changes: &changes)
        #expect(changes.isEmpty, "\(changes)")
        #expect(engine.counters.tooLate == 3)
        let late = engine.takeLateEvents()
        #expect(late.more == 0)
        #expect(late.events.map(\.time) == [t0, t0 + 10_000, t0 + 20_000])
        #expect(late.events.allSatisfy { $0.rules == ["auth_failures"] && $0.clientID == "d:org1:pump:pump-1" })
        #expect(engine.takeLateEvents().events.isEmpty, "taken once")
        // The client's log still has them: only the counting is refused.
        #expect(engine.unsavedLog(of: "d:org1:pump:pump-1").count == 3)
    }

    @Test func aBurstDeliveredDuringStartupGraceFiresWhenTheGraceEnds() {
        // Shifted by its delay, the window (10 minutes) still holds when the grace (1 minute) ends.
        var tenMinutes = rule
        tenMinutes.window = 10 * minute
        let configuration = EngineConfiguration(countingRules: [tenMinutes], startupGrace: minute)
        // connwatch was down during the burst and starts two minutes later; the session delivers it.
        let start = t0 + 2 * minute
        let engine = Engine(configuration: configuration, startTime: start)
        var changes: [AlertChange] = []
        burst(into: engine, arrival: start + 1000, changes: &changes)
        #expect(changes.isEmpty, "nothing fires during the grace")
        engine.advance(to: start + minute, into: &changes)
        #expect(changes.map(\.alert.state) == [.firing], "\(changes)")
    }

    @Test func anIdleWindowIsKeptUntilNoEventThatCountsCanArriveForIt() {
        let configuration = EngineConfiguration(countingRules: [rule], maxLateness: 10 * minute)
        let engine = Engine(configuration: configuration, startTime: t0)
        var changes: [AlertChange] = []
        engine.handle(failure(at: t0), broker: "main", now: t0, into: &changes)
        engine.advance(to: t0 + 11 * minute - 1, into: &changes)
        #expect(engine.counterGroupCount == 1, "a failure of the same minute may still arrive")
        engine.advance(to: t0 + 11 * minute, into: &changes)
        #expect(engine.counterGroupCount == 0)
    }

    @Test func maxLatenessIsConfigured() throws {
        let text = """
            mqtt:
              name: m
              url: mqtt://127.0.0.1:1883
              subscriptions:
                - topic: iot-2/type/+/id/+/mon
                  format: watson-iot
            defaults:
              max_lateness: 30m
            """
        #expect(try ConfigLoader.load(text: text, file: "r.yaml").engine.maxLateness == 30 * minute)
        let fallback = text.replacingOccurrences(of: "max_lateness: 30m", with: "startup_grace: 0")
        #expect(try ConfigLoader.load(text: fallback, file: "r.yaml").engine.maxLateness == 10 * minute)
        let bad = text.replacingOccurrences(of: "30m", with: "soon")
        #expect(throws: ConfigError.self) { _ = try ConfigLoader.load(text: bad, file: "r.yaml") }
    }
}
