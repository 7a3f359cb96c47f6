import Foundation
import Testing

@testable import ConnWatchCore

private func sampleAlert(state: AlertState, client: String = "d:org1:sensor:s1") -> Alert {
    var labels = LabelSet(["alertname": "device_offline", "severity": "warning", "team": "iot"])
    labels["client_id"] = client
    return Alert(
        labels: labels,
        annotations: LabelSet(["summary": "\(client) offline for 10m"]),
        rule: "device_offline",
        state: state,
        activeSince: 1_790_000_000_000,
        startsAt: 1_790_000_600_000,
        endsAt: state == .resolved ? 1_790_000_900_000 : nil
    )
}

@Suite struct AlertmanagerWebhookPayloadTests {
    @Test func firingPayloadHasTheVersion4Shape() throws {
        let notification = Notification(id: "n1", receiver: "ops", alerts: [sampleAlert(state: .firing)])
        let bytes = AlertmanagerWebhookPayload.render(notification, externalURL: "http://host")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(json["version"] as? String == "4")
        #expect(json["status"] as? String == "firing")
        #expect(json["receiver"] as? String == "ops")
        #expect(json["truncatedAlerts"] as? Int == 0)
        #expect(json["groupKey"] as? String == "{}:{alertname=\"device_offline\"}")
        #expect((json["groupLabels"] as? [String: String]) == ["alertname": "device_offline"])
        #expect((json["commonLabels"] as? [String: String])?["client_id"] == "d:org1:sensor:s1")
        #expect(json["externalURL"] as? String == "http://host")
        let alerts = try #require(json["alerts"] as? [[String: Any]])
        #expect(alerts.count == 1)
        #expect(alerts[0]["status"] as? String == "firing")
        #expect(alerts[0]["endsAt"] as? String == "0001-01-01T00:00:00Z")
        #expect(alerts[0]["startsAt"] as? String == Timestamp.formatISO8601(milliseconds: 1_790_000_600_000))
        #expect(alerts[0]["fingerprint"] as? String == sampleAlert(state: .firing).labels.alertmanagerFingerprint)
        #expect(alerts[0]["generatorURL"] as? String == "http://host/rules/device_offline")
        #expect((alerts[0]["annotations"] as? [String: String])?["summary"] == "d:org1:sensor:s1 offline for 10m")
    }

    @Test func resolvedPayloadCarriesEndsAt() throws {
        let notification = Notification(id: "n2", receiver: "ops", alerts: [sampleAlert(state: .resolved)])
        let bytes = AlertmanagerWebhookPayload.render(notification, externalURL: "http://host")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(json["status"] as? String == "resolved")
        let alerts = try #require(json["alerts"] as? [[String: Any]])
        #expect(alerts[0]["endsAt"] as? String == Timestamp.formatISO8601(milliseconds: 1_790_000_900_000))
    }

    @Test func hostileClientIDsStayValidJSON() throws {
        let client = "d:o:t:\"quoted\"\\back\nline\u{01}<!channel>é"
        let notification = Notification(
            id: "n3",
            receiver: "ops",
            alerts: [sampleAlert(state: .firing, client: client)]
        )
        let bytes = AlertmanagerWebhookPayload.render(notification, externalURL: "http://host")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        let alerts = try #require(json["alerts"] as? [[String: Any]])
        #expect((alerts[0]["labels"] as? [String: String])?["client_id"] == client)
    }

    @Test func commonLabelsKeepOnlySharedValues() {
        let common = AlertmanagerWebhookPayload.commonLabels([
            LabelSet(["a": "1", "b": "2"]), LabelSet(["a": "1", "b": "3"]),
        ])
        #expect(common == LabelSet(["a": "1"]))
    }
}

/// Routing through the daemon's pipeline: rule receivers or the defaults, and `send_resolved`.
@Suite struct PipelineRoutingTests {
    @Test func routesToRuleReceiversOrDefaultsAndHonoursSendResolved() {
        var config = ConnWatchConfig()
        config.receivers = [
            ReceiverConfig(name: "a", url: "http://a"), ReceiverConfig(name: "b", url: "http://b", sendResolved: false),
        ]
        config.defaults.receivers = ["a", "b"]
        var pipeline = NotificationPipeline(config: config)
        let now: Int64 = 1_790_000_600_000
        pipeline.receive([AlertChange(alert: sampleAlert(state: .firing))], now: now)
        let firing = pipeline.advance(to: now + 30_000).map(\.notification)
        #expect(firing.map(\.receiver).sorted() == ["a", "b"])
        pipeline.receive([AlertChange(alert: sampleAlert(state: .resolved))], now: now + 60_000)
        let resolved = pipeline.advance(to: now + 30_000 + 300_000).map(\.notification)
        #expect(resolved.map(\.receiver) == ["a"], "b has send_resolved: false")
        #expect(Set(firing.map(\.id)).count == 2)
        #expect(firing.allSatisfy { $0.id != resolved[0].id })
        var routed = sampleAlert(state: .firing, client: "d:org1:sensor:s2")
        routed.receivers = ["b"]
        pipeline.receive([AlertChange(alert: routed)], now: now + 400_000)
        let routedOut = pipeline.advance(to: now + 400_000 + 300_000).map(\.notification)
        #expect(routedOut.map(\.receiver) == ["b"])
    }
}

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(initialDelay: 1000, maxDelay: 8000, maxRetryDuration: 60_000, jitter: 0.2)

    @Test func successIsDelivered() {
        #expect(
            policy.decide(status: 202, retryAfter: nil, transportError: nil, attempt: 1, elapsed: 0, random: 0.5)
                == .delivered
        )
    }

    @Test func serverErrorsAndTransportErrorsBackOffExponentially() {
        #expect(
            policy.decide(status: 500, retryAfter: nil, transportError: nil, attempt: 1, elapsed: 0, random: 0.5)
                == .retry(after: 1000, reason: "HTTP 500")
        )
        #expect(
            policy.decide(status: 503, retryAfter: nil, transportError: nil, attempt: 3, elapsed: 0, random: 0.5)
                == .retry(after: 4000, reason: "HTTP 503")
        )
        #expect(
            policy.decide(status: 408, retryAfter: nil, transportError: nil, attempt: 10, elapsed: 0, random: 0.5)
                == .retry(after: 8000, reason: "HTTP 408")
        )
        #expect(
            policy.decide(status: nil, retryAfter: nil, transportError: "refused", attempt: 2, elapsed: 0, random: 0.5)
                == .retry(after: 2000, reason: "refused")
        )
    }

    @Test func jitterStaysWithinBounds() {
        #expect(policy.backoff(afterAttempt: 2, random: 0) == 1600)
        #expect(policy.backoff(afterAttempt: 2, random: 0.999_999) == 2399)
    }

    @Test func httpDatesAreFormattedAsTheyAreParsed() {
        #expect(Timestamp.formatHTTPDate(milliseconds: 784_111_777_000) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(Timestamp.formatHTTPDate(milliseconds: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(Timestamp.formatHTTPDate(milliseconds: 951_825_599_999) == "Tue, 29 Feb 2000 11:59:59 GMT")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let seconds = Int64.random(in: 0..<4_102_444_800, using: &generator)
            let text = Timestamp.formatHTTPDate(milliseconds: seconds * 1000 + 999)
            #expect(Timestamp.parseHTTPDate(text) == seconds * 1000, "\(text)")
        }
    }

    @Test func retryAfterMayBeAnHTTPDate() {
        let now = Timestamp.parseISO8601("2026-11-28T06:00:00Z") ?? 0
        #expect(Timestamp.parseHTTPDate("Sat, 28 Nov 2026 06:00:09 GMT") == now + 9000)
        #expect(Timestamp.parseHTTPDate("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777_000)
        for bad in [
            "Sat, 28 Nov 2026 06:00:09 CET", "28 Nov 2026 06:00:09 GMT", "Sat, 31 Nov 2026 06:00:09 GMT",
            "Sat, 28 Foo 2026 06:00:09 GMT", "Sat, 28 Nov 2026 6:00:09 GMT", "soon",
        ] {
            #expect(Timestamp.parseHTTPDate(bad) == nil, "\(bad)")
        }
        let decide = { (status: Int, hint: String) in
            policy.decide(
                status: status,
                retryAfter: hint,
                transportError: nil,
                attempt: 1,
                elapsed: 0,
                random: 0.5,
                now: now
            )
        }
        #expect(
            decide(429, "Sat, 28 Nov 2026 06:00:05 GMT") == .retry(after: 5000, reason: "HTTP 429 Too Many Requests")
        )
        // Clamped to the policy's longest delay (8 s here).
        #expect(
            decide(429, "Sat, 28 Nov 2026 07:00:00 GMT") == .retry(after: 8000, reason: "HTTP 429 Too Many Requests")
        )
        #expect(decide(429, "Sat, 28 Nov 2026 05:00:00 GMT") == .retry(after: 0, reason: "HTTP 429 Too Many Requests"))
        // 503 with a hint waits at least that long; an unreadable hint falls back to the backoff.
        #expect(decide(503, "6") == .retry(after: 6000, reason: "HTTP 503"))
        #expect(decide(503, "whenever") == .retry(after: 1000, reason: "HTTP 503"))
    }

    @Test func tooManyRequestsHonoursRetryAfter() {
        #expect(
            policy.decide(status: 429, retryAfter: "7", transportError: nil, attempt: 1, elapsed: 0, random: 0.5)
                == .retry(after: 7000, reason: "HTTP 429 Too Many Requests")
        )
        #expect(
            policy.decide(status: 429, retryAfter: nil, transportError: nil, attempt: 1, elapsed: 0, random: 0.5)
                == .retry(after: 1000, reason: "HTTP 429 Too Many Requests")
        )
    }

    @Test func clientErrorsAreNotRetried() {
        #expect(
            policy.decide(status: 400, retryAfter: nil, transportError: nil, attempt: 1, elapsed: 0, random: 0.5)
                == .giveUp(reason: "HTTP 400 (not retried)")
        )
        #expect(
            policy.decide(status: 404, retryAfter: nil, transportError: nil, attempt: 1, elapsed: 0, random: 0.5)
                == .giveUp(reason: "HTTP 404 (not retried)")
        )
    }

    @Test func givesUpAfterTheRetryDuration() {
        let decision = policy.decide(
            status: 500,
            retryAfter: nil,
            transportError: nil,
            attempt: 5,
            elapsed: 55_000,
            random: 0.5
        )
        #expect(decision == .giveUp(reason: "HTTP 500; gave up after 55s"))
    }
}
