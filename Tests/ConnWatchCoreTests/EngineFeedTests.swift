import Testing

@testable import ConnWatchCore

private let t0: Int64 = 1_790_000_000_000
private let minute: Int64 = 60_000

@Suite struct FeedHealthTests {
    private func disconnect(_ id: String, at time: Int64) -> StatusEvent {
        StatusEvent(
            action: .disconnect,
            clientID: id,
            time: time,
            reasonCode: 160,
            cause: .keepAliveTimeout,
            initiator: .network
        )
    }

    private func engine(grace: Int64 = minute, feedDownAfter: Int64 = 2 * minute) -> Engine {
        Engine(
            configuration: EngineConfiguration(
                offlineRules: [OfflineRule(name: "offline", forDuration: 5 * minute)],
                startupGrace: grace,
                feedDownAfter: feedDownAfter
            ),
            startTime: t0
        )
    }

    @Test func offlineAlertsPauseWhileTheFeedIsDownAndWaitForGraceAfter() {
        let e = engine()
        var changes: [AlertChange] = []
        e.handle(disconnect("c1", at: t0 + 2 * minute), broker: "main", now: t0 + 2 * minute, into: &changes)
        e.feedDown("main", reason: "connection lost", at: t0 + 3 * minute)
        e.advance(to: t0 + 7 * minute, into: &changes)
        #expect(changes.map(\.alert.rule) == ["feed_down"], "no verdict on clients without a feed")
        changes = []
        e.feedUp("main", at: t0 + 10 * minute, into: &changes)
        #expect(changes.map { "\($0.alert.rule) \($0.alert.state)" } == ["feed_down resolved"])
        changes = []
        e.advance(to: t0 + 11 * minute - 1, into: &changes)
        #expect(changes.isEmpty, "retained states get startup_grace to arrive")
        e.advance(to: t0 + 11 * minute, into: &changes)
        #expect(changes.map(\.alert.rule) == ["offline"])
    }

    @Test func aClientThatReconnectsWhileTheFeedWasDownNeverFires() {
        let e = engine()
        var changes: [AlertChange] = []
        e.handle(disconnect("c1", at: t0 + 2 * minute), broker: "main", now: t0 + 2 * minute, into: &changes)
        e.feedDown("main", reason: "connection lost", at: t0 + 3 * minute)
        e.advance(to: t0 + 8 * minute, into: &changes)
        e.feedUp("main", at: t0 + 8 * minute, into: &changes)
        // The retained Connect arrives with the resubscribe.
        e.handle(
            StatusEvent(action: .connect, clientID: "c1", time: t0 + 6 * minute),
            broker: "main",
            now: t0 + 8 * minute,
            into: &changes
        )
        e.advance(to: t0 + 30 * minute, into: &changes)
        #expect(!changes.contains { $0.alert.rule == "offline" })
    }

    @Test func feedDownFiresOnlyAfterItsDelayAndOtherBrokersAreUnaffected() throws {
        let e = engine()
        var changes: [AlertChange] = []
        e.handle(disconnect("other", at: t0 + 2 * minute), broker: "second", now: t0 + 2 * minute, into: &changes)
        e.feedDown("main", reason: "Lookup error.", at: t0 + minute)
        e.advance(to: t0 + 3 * minute - 1, into: &changes)
        #expect(changes.isEmpty)
        e.advance(to: t0 + 3 * minute, into: &changes)
        let alert = try #require(changes.first?.alert)
        #expect(alert.labels["alertname"] == "feed_down")
        #expect(alert.labels["broker"] == "main")
        #expect(alert.annotations["description"] == "Lookup error.")
        changes = []
        e.advance(to: t0 + 7 * minute, into: &changes)
        #expect(changes.map(\.alert.rule) == ["offline"], "broker 'second' still has its feed")
        #expect(!e.isFeedUp("main"))
        #expect(e.isFeedUp("second"))
    }

    @Test func aShortBlipRaisesNothing() {
        let e = engine()
        var changes: [AlertChange] = []
        e.feedDown("main", reason: "connection lost", at: t0 + minute)
        e.feedUp("main", at: t0 + minute + 5000, into: &changes)
        e.advance(to: t0 + 60 * minute, into: &changes)
        #expect(changes.isEmpty)
    }
}
