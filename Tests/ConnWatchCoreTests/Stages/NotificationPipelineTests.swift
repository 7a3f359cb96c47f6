import Foundation
import Testing

@testable import ConnWatchCore

private func pipeline(
    groupBy: [String] = ["alertname"],
    sendResolved: Bool = true,
    inhibitor: Inhibitor = Inhibitor(),
    maintenance: [MaintenanceWindow] = [],
    silences: SilenceSet = SilenceSet()
) -> NotificationPipeline {
    NotificationPipeline(
        options: GroupingOptions(
            groupBy: groupBy,
            groupWait: 30_000,
            groupInterval: 300_000,
            repeatInterval: 14_400_000
        ),
        routes: { _ in [ReceiverRoute(receiver: "ops", sendResolved: sendResolved)] },
        inhibitor: inhibitor,
        maintenance: maintenance,
        silences: silences
    )
}

extension NotificationPipeline {
    /// Advances through every deadline up to and including `time`, as the daemon would.
    mutating func run(until time: Int64) -> [GroupNotification] {
        var sent: [GroupNotification] = []
        while let deadline = nextDeadline, deadline <= time { sent += advance(to: deadline) }
        return sent
    }

    mutating func fire(_ labels: [String: String], at time: Int64) {
        receive([AlertChange(alert: stageAlert(labels, startsAt: time))], now: time)
    }

    mutating func resolve(_ labels: [String: String], at time: Int64) {
        receive([AlertChange(alert: stageAlert(labels, .resolved, startsAt: time))], now: time)
    }
}

@Suite struct NotificationPipelineTests {
    @Test func groupingTimersGiveExactCounts() {
        var pipeline = pipeline()
        let a = ["alertname": "offline", "id": "a"]
        let b = ["alertname": "offline", "id": "b"]
        pipeline.fire(a, at: 0)
        // group_wait: nothing before 30 s, one notification at 30 s.
        #expect(pipeline.run(until: 29_999).isEmpty)
        let first = pipeline.run(until: 30_000)
        #expect(first.map(\.reason) == [.firstNotification])
        #expect(first.first?.notification.alerts.count == 1)
        // A second alert at 60 s waits for the next group_interval tick (330 s).
        pipeline.fire(b, at: 60_000)
        #expect(pipeline.run(until: 329_999).isEmpty)
        let second = pipeline.run(until: 330_000)
        #expect(second.map(\.reason) == [.newAlertsInGroup])
        #expect(second.first?.notification.alerts.count == 2)
        // Unchanged: silent for four hours of ticks, then exactly one repeat.
        let repeatAt: Int64 = 330_000 + 14_400_000
        #expect(pipeline.run(until: repeatAt - 1).isEmpty)
        let repeated = pipeline.run(until: repeatAt)
        #expect(repeated.map(\.reason) == [.repeatIntervalElapsed])
        // One resolves: one notification at the next tick, listing it once.
        pipeline.resolve(a, at: repeatAt + 10_000)
        let resolvedOne = pipeline.run(until: repeatAt + 300_000)
        #expect(resolvedOne.map(\.reason) == [.newResolvedAlerts])
        #expect(resolvedOne.first?.notification.alerts.filter { $0.state == .resolved }.count == 1)
        #expect(pipeline.run(until: repeatAt + 600_000).isEmpty)
        // The last resolves: "all resolved", then the group is gone.
        pipeline.resolve(b, at: repeatAt + 700_000)
        let allResolved = pipeline.run(until: repeatAt + 900_000)
        #expect(allResolved.map(\.reason) == [.allAlertsResolved])
        #expect(allResolved.first?.notification.status == .resolved)
        #expect(pipeline.nextDeadline == nil)
    }

    @Test func resolvedWithinGroupWaitSendsNothing() {
        var pipeline = pipeline()
        pipeline.fire(["alertname": "flap"], at: 0)
        pipeline.resolve(["alertname": "flap"], at: 10_000)
        #expect(pipeline.run(until: 3_600_000).isEmpty)
        #expect(pipeline.nextDeadline == nil)
    }

    @Test func sendResolvedFalseHidesResolvedAlerts() {
        var pipeline = pipeline(sendResolved: false)
        pipeline.fire(["alertname": "x", "id": "1"], at: 0)
        pipeline.fire(["alertname": "x", "id": "2"], at: 0)
        #expect(pipeline.run(until: 30_000).count == 1)
        pipeline.resolve(["alertname": "x", "id": "1"], at: 40_000)
        #expect(pipeline.run(until: 330_000).isEmpty)
        pipeline.resolve(["alertname": "x", "id": "2"], at: 340_000)
        #expect(pipeline.run(until: 630_000).isEmpty)
        // The log knows everything resolved: a new alert is a first notification again.
        pipeline.fire(["alertname": "x", "id": "3"], at: 700_000)
        #expect(pipeline.run(until: 730_000).map(\.reason) == [.firstNotification])
    }

    /// 10 000 clients of one type go offline within one second: one notification listing them all
    /// after group_wait, and one more after group_interval when one more joins.
    @Test func stormOfTenThousandAlertsIsOneNotification() {
        var pipeline = pipeline(groupBy: ["alertname", "type_id"])
        var changes: [AlertChange] = []
        changes.reserveCapacity(10_000)
        for index in 0..<10_000 {
            let time = Int64(index / 10)
            let labels = ["alertname": "device_offline", "type_id": "sensor", "device_id": "d\(index)"]
            changes.append(AlertChange(alert: stageAlert(labels, startsAt: time)))
        }
        pipeline.receive(changes, now: 999)
        #expect(pipeline.run(until: 30_998).isEmpty)
        let storm = pipeline.run(until: 30_999)
        #expect(storm.count == 1)
        #expect(storm.first?.notification.alerts.count == 10_000)
        #expect(Set(storm.first?.notification.alerts.map(\.fingerprint) ?? []).count == 10_000)
        #expect(storm.first?.groupLabels == LabelSet(["alertname": "device_offline", "type_id": "sensor"]))
        pipeline.fire(["alertname": "device_offline", "type_id": "sensor", "device_id": "late"], at: 60_000)
        #expect(pipeline.run(until: 330_998).isEmpty)
        let change = pipeline.run(until: 330_999)
        #expect(change.count == 1)
        #expect(change.first?.reason == .newAlertsInGroup)
        #expect(change.first?.notification.alerts.count == 10_001)
        #expect(change.first?.notification.id != storm.first?.notification.id)
    }

    @Test func idsAreStableAndUniquePerFlush() {
        func notifications() -> [GroupNotification] {
            var pipeline = pipeline()
            pipeline.fire(["alertname": "a"], at: 0)
            pipeline.fire(["alertname": "b"], at: 0)
            return pipeline.run(until: 30_000)
        }
        let once = notifications()
        #expect(once.map(\.notification.id) == notifications().map(\.notification.id))
        #expect(Set(once.map(\.notification.id)).count == 2)
    }

    @Test func inhibitedAlertsAreLeftOut() throws {
        let rule = InhibitRule(
            sourceMatchers: [try matcher(#"alertname="fleet""#)],
            targetMatchers: [try matcher(#"alertname="device""#)],
            equal: ["type_id"]
        )
        var pipeline = pipeline(inhibitor: Inhibitor(rules: [rule]))
        pipeline.fire(["alertname": "fleet", "type_id": "pump"], at: 0)
        pipeline.fire(["alertname": "device", "type_id": "pump", "id": "1"], at: 0)
        pipeline.fire(["alertname": "device", "type_id": "valve", "id": "2"], at: 0)
        let sent = pipeline.run(until: 30_000)
        #expect(sent.count == 2)
        let devices = sent.first { $0.groupLabels["alertname"] == "device" }
        #expect(devices?.notification.alerts.map { $0.labels["type_id"] } == ["valve"])
    }

    @Test func silencedAndMaintainedAlertsAreLeftOutAndSentLater() throws {
        let silence = Silence(id: "s", matchers: [try matcher(#"id="1""#)], startsAt: 0, endsAt: 400_000)
        let window = MaintenanceWindow(
            name: "first hour",
            weekdays: [],
            start: 0,
            end: 60,
            location: try #require(TimeZone(identifier: "UTC")),
            matchers: [try matcher(#"id="2""#)]
        )
        var pipeline = pipeline(maintenance: [window], silences: SilenceSet([silence]))
        pipeline.fire(["alertname": "a", "id": "1"], at: 0)
        pipeline.fire(["alertname": "a", "id": "2"], at: 0)
        pipeline.fire(["alertname": "a", "id": "3"], at: 0)
        let first = pipeline.run(until: 30_000)
        #expect(first.first?.notification.alerts.map { $0.labels["id"] } == ["3"])
        #expect(pipeline.run(until: 330_000).isEmpty)
        // The silence ended at 400 s: id 1 is new at the 630 s tick.
        let afterSilence = pipeline.run(until: 630_000)
        #expect(afterSilence.map(\.reason) == [.newAlertsInGroup])
        #expect(afterSilence.first?.notification.alerts.count == 2)
        // The window closes at 01:00: id 2 comes at the first tick after that.
        #expect(pipeline.run(until: 3_599_999).isEmpty)
        let afterWindow = pipeline.run(until: 3_630_000)
        #expect(afterWindow.first?.notification.alerts.count == 3)
    }

    @Test func logSurvivesARestart() {
        var before = pipeline()
        before.fire(["alertname": "a"], at: 0)
        #expect(before.run(until: 30_000).count == 1)
        // A restart: the engine re-emits the firing alert, the log comes from disk.
        var after = NotificationPipeline(
            options: GroupingOptions(groupBy: ["alertname"]),
            routes: { _ in [ReceiverRoute(receiver: "ops")] },
            log: before.log
        )
        after.fire(["alertname": "a"], at: 0)
        after.receive([AlertChange(alert: stageAlert(["alertname": "a"], startsAt: 0))], now: 100_000)
        #expect(after.run(until: 14_399_999).isEmpty)
        #expect(after.run(until: 14_430_000).map(\.reason) == [.repeatIntervalElapsed])
    }

    @Test func buildsFromConfigAndReconfigures() throws {
        var config = ConnWatchConfig(
            defaults: DefaultsConfig(receivers: ["ops"], grouping: GroupingOptions(groupBy: ["alertname"])),
            receivers: [
                ReceiverConfig(name: "ops", type: .webhook, url: "http://127.0.0.1:9/hook", sendResolved: false)
            ]
        )
        var pipeline = NotificationPipeline(config: config)
        pipeline.fire(["alertname": "a"], at: 0)
        #expect(pipeline.run(until: 30_000).first?.notification.receiver == "ops")
        config.silences = [Silence(id: "all", matchers: [try matcher(#"alertname="a""#)], startsAt: 0, endsAt: .max)]
        pipeline.reconfigure(config, now: 40_000)
        #expect(pipeline.firing.count == 1)
        #expect(pipeline.run(until: 100_000_000).isEmpty)
    }
}
