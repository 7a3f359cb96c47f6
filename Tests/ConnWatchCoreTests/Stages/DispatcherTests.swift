import Testing

@testable import ConnWatchCore

private let options = GroupingOptions(
    groupBy: ["alertname"],
    groupWait: 30_000,
    groupInterval: 300_000,
    repeatInterval: 14_400_000
)

private func dispatcher(_ routes: [ReceiverRoute] = [ReceiverRoute(receiver: "ops")]) -> Dispatcher {
    Dispatcher(options: options, routes: { _ in routes })
}

@Suite struct DispatcherTests {
    @Test func defaultsAreAlertmanagers() {
        let defaults = GroupingOptions()
        #expect(defaults.groupWait == 30_000)
        #expect(defaults.groupInterval == 300_000)
        #expect(defaults.repeatInterval == 14_400_000)
    }

    @Test func groupsByLabelValuesPerReceiver() {
        var dispatcher = dispatcher([ReceiverRoute(receiver: "ops"), ReceiverRoute(receiver: "chat")])
        dispatcher.receive(AlertChange(alert: stageAlert(["alertname": "a", "id": "1"])), now: 0)
        dispatcher.receive(AlertChange(alert: stageAlert(["alertname": "a", "id": "2"])), now: 0)
        dispatcher.receive(AlertChange(alert: stageAlert(["alertname": "b", "id": "1"])), now: 0)
        #expect(dispatcher.groups.count == 4)
        #expect(dispatcher.groups[#"ops:{alertname="a"}"#]?.alerts.count == 2)
        #expect(dispatcher.groups[#"chat:{alertname="b"}"#]?.labels == LabelSet(["alertname": "b"]))
    }

    @Test func groupByAllMakesOneGroupPerAlert() {
        var all = Dispatcher(
            options: GroupingOptions(groupBy: ["..."]),
            routes: { _ in [ReceiverRoute(receiver: "ops")] }
        )
        all.receive(AlertChange(alert: stageAlert(["alertname": "a", "id": "1"])), now: 0)
        all.receive(AlertChange(alert: stageAlert(["alertname": "a", "id": "2"])), now: 0)
        #expect(all.groups.count == 2)
    }

    @Test func firstFlushAfterGroupWaitThenEveryGroupInterval() {
        var dispatcher = dispatcher()
        #expect(dispatcher.nextDeadline == nil)
        dispatcher.receive(AlertChange(alert: stageAlert(["alertname": "a"], startsAt: 1000)), now: 1000)
        #expect(dispatcher.nextDeadline == 31_000)
        #expect(dispatcher.advance(to: 30_999).isEmpty)
        let first = dispatcher.advance(to: 31_000)
        #expect(first.count == 1)
        #expect(first.first?.trigger == .groupWait)
        #expect(first.first?.at == 31_000)
        #expect(dispatcher.nextDeadline == 331_000)
        // Late: the flush still reports its deadline and the next one follows the interval.
        let second = dispatcher.advance(to: 331_500)
        #expect(second.first?.trigger == .groupInterval)
        #expect(second.first?.at == 331_000)
        #expect(dispatcher.nextDeadline == 631_000)
    }

    @Test func oldAlertsFlushAtOnce() {
        var dispatcher = dispatcher()
        dispatcher.receive(AlertChange(alert: stageAlert(["alertname": "a"], startsAt: 0)), now: 100_000)
        #expect(dispatcher.nextDeadline == 100_000)
    }

    @Test func resolvedAlertsAreFlushedOnceThenDropped() {
        var dispatcher = dispatcher()
        dispatcher.receive(AlertChange(alert: stageAlert(["alertname": "a", "id": "1"])), now: 0)
        dispatcher.receive(AlertChange(alert: stageAlert(["alertname": "a", "id": "2"])), now: 0)
        _ = dispatcher.advance(to: 30_000)
        dispatcher.receive(AlertChange(alert: stageAlert(["alertname": "a", "id": "1"], .resolved)), now: 40_000)
        let withResolved = dispatcher.advance(to: 330_000)
        #expect(
            withResolved.first?.alerts.map(\.state) == [.resolved, .firing]
                || withResolved.first?.alerts.map(\.state) == [.firing, .resolved]
        )
        #expect(dispatcher.advance(to: 630_000).first?.alerts.count == 1)
        dispatcher.receive(AlertChange(alert: stageAlert(["alertname": "a", "id": "2"], .resolved)), now: 700_000)
        #expect(dispatcher.advance(to: 930_000).first?.alerts.map(\.state) == [.resolved])
        #expect(dispatcher.groups.isEmpty)
        #expect(dispatcher.nextDeadline == nil)
    }

    @Test func pendingAndUnknownResolvedAlertsAreIgnored() {
        var dispatcher = dispatcher()
        dispatcher.receive(AlertChange(alert: stageAlert(["alertname": "a"], .pending)), now: 0)
        dispatcher.receive(AlertChange(alert: stageAlert(["alertname": "a"], .resolved)), now: 0)
        #expect(dispatcher.groups.isEmpty)
    }
}
