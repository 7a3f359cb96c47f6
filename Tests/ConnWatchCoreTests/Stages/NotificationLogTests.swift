import Foundation
import Testing

@testable import ConnWatchCore

@Suite struct NotificationLogTests {
    private func reason(
        _ log: NotificationLog,
        firing: Set<String>,
        resolved: Set<String> = [],
        sendResolved: Bool = true,
        now: Int64 = 1000
    ) -> NotifyReason? {
        log.reason(
            groupKey: "g",
            firing: firing,
            resolved: resolved,
            sendResolved: sendResolved,
            repeatInterval: 10_000,
            now: now
        )
    }

    @Test func reasonsLikeAlertmanager() {
        var log = NotificationLog()
        #expect(reason(log, firing: []) == nil)
        #expect(reason(log, firing: ["a"]) == .firstNotification)
        log.record(groupKey: "g", firing: ["a", "b"], resolved: [], at: 0, repeatInterval: 10_000)
        #expect(reason(log, firing: ["a", "b"]) == nil)
        #expect(reason(log, firing: ["a", "b", "c"]) == .newAlertsInGroup)
        #expect(reason(log, firing: ["a"], resolved: ["b"]) == .newResolvedAlerts)
        #expect(reason(log, firing: ["a"], resolved: ["b"], sendResolved: false) == nil)
        #expect(reason(log, firing: [], resolved: ["a", "b"]) == .allAlertsResolved)
        #expect(reason(log, firing: [], resolved: ["a", "b"], sendResolved: false) == .allAlertsResolved)
        #expect(reason(log, firing: ["a", "b"], now: 9_999) == nil)
        #expect(reason(log, firing: ["a", "b"], now: 10_000) == .repeatIntervalElapsed)
        log.record(groupKey: "g", firing: [], resolved: ["a", "b"], at: 0, repeatInterval: 10_000)
        #expect(reason(log, firing: []) == nil)
        #expect(reason(log, firing: ["a"]) == .firstNotification)
    }

    @Test func prunesAfterTwoRepeatIntervals() {
        var log = NotificationLog()
        log.record(groupKey: "g", firing: ["a"], resolved: [], at: 0, repeatInterval: 10_000)
        log.prune(at: 19_999)
        #expect(log["g"] != nil)
        log.prune(at: 20_000)
        #expect(log["g"] == nil)
    }

    @Test func roundTripsThroughJSON() throws {
        var log = NotificationLog()
        log.record(
            groupKey: #"ops:{alertname="a"}"#,
            firing: ["f1", "f2"],
            resolved: ["r1"],
            at: 42,
            repeatInterval: 7
        )
        let data = try JSONEncoder().encode(log)
        let decoded = try JSONDecoder().decode(NotificationLog.self, from: data)
        #expect(decoded == log)
        #expect(decoded[#"ops:{alertname="a"}"#]?.firingHash == log[#"ops:{alertname="a"}"#]?.firingHash)
        #expect(decoded[#"ops:{alertname="a"}"#]?.expiresAt == 56)
    }

    @Test func firingHashDependsOnTheSetOnly() {
        let one = NotificationLogEntry(firing: ["a", "b"], resolved: [], sentAt: 0, expiresAt: 0)
        let two = NotificationLogEntry(firing: ["b", "a"], resolved: ["x"], sentAt: 5, expiresAt: 5)
        let three = NotificationLogEntry(firing: ["a"], resolved: [], sentAt: 0, expiresAt: 0)
        #expect(one.firingHash == two.firingHash)
        #expect(one.firingHash != three.firingHash)
    }
}
