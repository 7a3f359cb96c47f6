import Foundation
import Testing

@testable import ConnWatchCore

/// An `alertmanager` receiver's resend and PagerDuty's one event per alert.
@Suite struct ReceiverTimingTests {
    private static let resend: Int64 = 60_000

    private func pipeline() -> NotificationPipeline {
        var receiver = ReceiverConfig(name: "am", type: .alertmanager, url: "http://127.0.0.1:9093")
        receiver.resendInterval = Self.resend
        let defaults = GroupingOptions(groupWait: 30_000, groupInterval: 300_000, repeatInterval: 14_400_000)
        let grouping = receiver.grouping(defaults: defaults)
        return NotificationPipeline(
            options: defaults,
            routes: { _ in
                [ReceiverRoute(receiver: "am", grouping: grouping)]
                    + [ReceiverRoute(receiver: "chat")]
            }
        )
    }

    @Test func alertmanagerRoutesRepostFiringAlertsEveryResendInterval() {
        var pipeline = pipeline()
        pipeline.fire(["alertname": "offline", "client_id": "a"], at: 1_000)
        let first = pipeline.advance(to: 1_000)
        #expect(first.map(\.notification.receiver) == ["am"])  // at once; chat waits for group_wait
        #expect(first.first?.reason == .firstNotification)
        var sentAt: [Int64] = [1_000]
        var time: Int64 = 1_000
        // The timer runs a little late every time: the resend still happens on every interval.
        while time < 1_000 + 10 * Self.resend {
            guard let deadline = pipeline.nextDeadline else { break }
            time = deadline + 7
            for notification in pipeline.advance(to: time) where notification.notification.receiver == "am" {
                #expect(notification.reason == .repeatIntervalElapsed)
                #expect(notification.notification.alerts.map { $0.labels["client_id"] } == ["a"])
                sentAt.append(time)
            }
        }
        #expect(sentAt.count == 11, "\(sentAt)")
        #expect(zip(sentAt, sentAt.dropFirst()).allSatisfy { $1 - $0 <= Self.resend + 7 })
        // The chat receiver keeps Alertmanager's defaults: group_wait, then repeat_interval only.
        var chat = pipeline
        let chatSent = chat.run(until: 1_000 + 10 * Self.resend).filter { $0.notification.receiver == "chat" }
        #expect(chatSent.isEmpty)
    }

    /// Alertmanager groups what arrives within its `group_wait`: an alert that fires just after
    /// another of its group was posted is posted within `changeFlushSpacing`, not a
    /// `resend_interval` later.
    @Test func alertmanagerRoutesPostAnAlertJoiningAPostedGroupAtOnce() {
        var pipeline = pipeline()
        let spacing = GroupingOptions.changeFlushSpacing
        pipeline.fire(["alertname": "offline", "client_id": "a"], at: 1_000)
        #expect(pipeline.advance(to: 1_000).map(\.notification.receiver) == ["am"])
        pipeline.fire(["alertname": "offline", "client_id": "b"], at: 1_040)
        #expect(pipeline.advance(to: 999 + spacing).filter { $0.notification.receiver == "am" }.isEmpty)
        let joined = pipeline.advance(to: 1_000 + spacing)
        #expect(joined.map(\.notification.receiver) == ["am"])
        #expect(Set(joined.first?.notification.alerts.compactMap { $0.labels["client_id"] } ?? []) == ["a", "b"])
        // Nothing changed since: no post before the resend, which counts from the last post.
        #expect(
            pipeline.advance(to: 999 + spacing + Self.resend).filter { $0.notification.receiver == "am" }.isEmpty
        )
    }

    /// A storm arriving over a second: one alert every 10 ms is posted in at most six posts, not a
    /// hundred posts of the whole group.
    @Test func alertmanagerRoutesPostAStormInFewPosts() {
        var pipeline = pipeline()
        var posts = 0
        for client in 0..<100 {
            let time = 1_000 + Int64(client) * 10
            pipeline.fire(["alertname": "offline", "client_id": "c\(client)"], at: time)
            posts += pipeline.advance(to: time).filter { $0.notification.receiver == "am" }.count
        }
        posts += pipeline.advance(to: 3_000).filter { $0.notification.receiver == "am" }.count
        #expect(posts >= 2 && posts <= 6, "\(posts) posts")
    }

    @Test func alertmanagerRoutesSendTheResolveWithinOneInterval() {
        var pipeline = pipeline()
        pipeline.fire(["alertname": "offline", "client_id": "a"], at: 0)
        _ = pipeline.advance(to: 0)
        pipeline.resolve(["alertname": "offline", "client_id": "a"], at: 10_000)
        let sent = pipeline.run(until: Self.resend).filter { $0.notification.receiver == "am" }
        #expect(sent.count == 1)
        #expect(sent.first?.notification.alerts.first?.state == .resolved)
        #expect(pipeline.run(until: 10 * Self.resend).filter { $0.notification.receiver == "am" }.isEmpty)
    }

    private func alert(_ client: String, _ state: AlertState) -> Alert {
        Alert(
            labels: LabelSet(["alertname": "offline", "client_id": client, "severity": "critical"]),
            annotations: LabelSet(["summary": "\(client) offline"]),
            rule: "offline",
            state: state,
            activeSince: 1_000,
            startsAt: 2_000,
            endsAt: state == .resolved ? 90_000 : nil
        )
    }

    @Test func alertmanagerBodiesCarryAnEndFourIntervalsAhead() throws {
        var receiver = ReceiverConfig(name: "am", type: .alertmanager, url: "http://127.0.0.1:9093")
        receiver.resendInterval = 30_000
        let notification = Notification(id: "n", receiver: "am", alerts: [alert("a", .firing), alert("b", .resolved)])
        let sentAt: Int64 = 1_800_000_000_000
        let message = MessageRenderer.render(
            notification,
            receiver: receiver,
            context: RenderContext(url: "http://127.0.0.1:9093", externalURL: "http://cw", sentAt: sentAt)
        )
        let array = try #require(try JSONSerialization.jsonObject(with: Data(message.body)) as? [[String: Any]])
        #expect(array.count == 2)
        #expect(array[0]["endsAt"] as? String == Timestamp.formatISO8601(milliseconds: sentAt + 120_000))
        #expect(array[1]["endsAt"] as? String == Timestamp.formatISO8601(milliseconds: 90_000))
        // A preview (no send time) leaves a firing alert open-ended.
        let preview = MessageRenderer.render(
            notification,
            receiver: receiver,
            context: RenderContext(url: "http://127.0.0.1:9093", externalURL: "http://cw")
        )
        let previewArray = try #require(
            try JSONSerialization.jsonObject(with: Data(preview.body)) as? [[String: Any]]
        )
        #expect(previewArray[0]["endsAt"] == nil)
    }

    @Test func pagerDutyGetsOneRequestPerAlertWithItsOwnDedupKey() throws {
        let receiver = ReceiverConfig(name: "pd", type: .pagerduty)
        let alerts = (0..<5).map { alert("c\($0)", $0 == 4 ? .resolved : .firing) }
        let requests = MessageRenderer.requests(
            Notification(id: "g", receiver: "pd", alerts: alerts),
            receiver: receiver,
            context: RenderContext(url: "", externalURL: "http://cw", routingKey: "KEY")
        )
        #expect(requests.count == 5)
        #expect(Set(requests.map(\.id)).count == 5)
        for (request, alert) in zip(requests, alerts) {
            #expect(request.id == "g/\(alert.fingerprint)")
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(request.message.body)) as? [String: Any]
            )
            #expect(object["dedup_key"] as? String == "connwatch/\(alert.fingerprint)")
            #expect(object["event_action"] as? String == (alert.state == .firing ? "trigger" : "resolve"))
            #expect(request.message.url == MessageRenderer.pagerDutyURL)
        }
        // Other platforms: one request for the group, under the notification's id.
        let slack = MessageRenderer.requests(
            Notification(id: "g", receiver: "s", alerts: alerts),
            receiver: ReceiverConfig(name: "s", type: .slack, url: "https://hooks.slack.com/services/x"),
            context: RenderContext(url: "https://hooks.slack.com/services/x", externalURL: "http://cw")
        )
        #expect(slack.map(\.id) == ["g"])
    }

    @Test func resendIntervalIsReadAndCheckedFromTheRuleFile() throws {
        func load(_ receiver: String) throws(ConfigError) -> ConnWatchConfig { try loadReceivers(receiver) }
        let config = try load("  - {name: a, type: alertmanager, url: 'http://127.0.0.1:9093', resend_interval: 30s}")
        #expect(config.receivers.first?.resendInterval == 30_000)
        #expect(config.receivers.first?.effectiveMaxRetryDuration == 120_000)
        let fallback = try load("  - {name: a, type: alertmanager, url: 'http://127.0.0.1:9093'}")
        #expect(fallback.receivers.first?.resendInterval == 60_000)
        do {
            _ = try load("  - {name: a, type: slack, url: 'https://hooks.slack.com/x', resend_interval: 30s}")
            Issue.record("resend_interval on a slack receiver was accepted")
        } catch {
            #expect(
                error.problems.contains { $0.description.contains("resend_interval is only for type alertmanager") }
            )
        }
        do {
            _ = try load("  - {name: a, type: alertmanager, url: 'http://127.0.0.1:9093', resend_interval: 0s}")
            Issue.record("resend_interval 0s was accepted")
        } catch {
            #expect(error.problems.contains { $0.description.contains("resend_interval must be at least 1s") })
        }
    }
}

/// The pipeline asks for every flushed alert as it reads at the flush.
@Suite struct FlushTimeAlertTests {
    @Test func flushedAlertsAreTheirCurrentVersions() {
        var pipeline = NotificationPipeline(
            options: GroupingOptions(groupWait: 0, groupInterval: 60_000, repeatInterval: 120_000),
            routes: { _ in [ReceiverRoute(receiver: "ops")] }
        )
        pipeline.fire(["alertname": "type_outage", "type_id": "pump"], at: 0)
        var calls = 0
        let sent = pipeline.advance(to: 0) { alert in
            calls += 1
            var current = alert
            current.annotations["summary"] = "10 of 10 offline"
            return current
        }
        #expect(calls == 1)
        #expect(sent.first?.notification.alerts.first?.annotations["summary"] == "10 of 10 offline")
    }
}
