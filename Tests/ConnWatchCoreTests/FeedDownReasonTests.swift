import Testing

@testable import ConnWatchCore

/// The `feed_down` alert says why the feed is down: the latest failure, and whether the broker
/// cannot be reached or is reached and refuses.
@Suite struct FeedDownReasonTests {
    private let t0: Int64 = 1_790_000_000_000
    private let minute: Int64 = 60_000

    private func engine() -> Engine {
        Engine(
            configuration: EngineConfiguration(
                offlineRules: [OfflineRule(name: "offline", forDuration: 5 * minute)],
                startupGrace: minute,
                feedDownAfter: 2 * minute
            ),
            startTime: t0
        )
    }

    @Test("a broker that rejects the credentials: the alert names the class, not 'unreachable'")
    func refusal() {
        let e = engine()
        var changes: [AlertChange] = []
        e.feedDown("main", reason: "not connected yet", at: t0)
        let refusal = BrokerFailure(.notAuthorized, "the broker answered CONNACK 135 (Not authorized)")
        e.feedDown("main", reason: refusal.description, at: t0 + 1000)
        e.advance(to: t0 + 2 * minute, into: &changes)
        let alert = changes.first?.alert
        #expect(alert?.rule == "feed_down")
        #expect(
            alert?.annotations["summary"]
                == "broker main rejects the connection for 2m (MQTT not authorized): client alerts are paused"
        )
        #expect(alert?.annotations["description"] == refusal.description)
        #expect(alert?.activeSince == t0, "the feed is down since the first failure")
    }

    @Test("a broker that cannot be reached stays 'unreachable', with the reason in the description")
    func unreachable() {
        let e = engine()
        var changes: [AlertChange] = []
        let refused = BrokerFailure(.tcpRefused, "Connection refused; nothing listens on the port")
        e.feedDown("main", reason: refused.description, at: t0)
        e.advance(to: t0 + 2 * minute, into: &changes)
        #expect(
            changes.first?.alert.annotations["summary"] == "broker main unreachable for 2m: client alerts are paused"
        )
        #expect(changes.first?.alert.annotations["description"] == refused.description)
    }

    @Test("every class's description reads back as its class")
    func kindsReadBack() {
        for kind in BrokerFailure.Kind.allCases {
            #expect(BrokerFailure.Kind(describing: BrokerFailure(kind, "detail").description) == kind)
        }
        #expect(BrokerFailure.Kind(describing: "not connected yet") == nil)
    }

    @Test("/metrics counts failures per broker and reason; the brokers view says why a feed is down")
    func metricsAndStatus() {
        var snapshot = MetricsSnapshot(version: "1", startTime: t0)
        snapshot.connectFailures = [("main", [.notAuthorized: 3])]
        let text = MetricsText.render(snapshot)
        #expect(text.contains("# TYPE connwatch_mqtt_connect_failures_total counter"))
        #expect(
            text.contains("connwatch_mqtt_connect_failures_total{broker=\"main\",reason=\"mqtt_not_authorized\"} 3")
        )
        #expect(text.contains("connwatch_mqtt_connect_failures_total{broker=\"main\",reason=\"dns\"} 0"))

        let failure = BrokerFailure(.tlsNameMismatch, "host name verification failed")
        let items = [
            BrokerStatusItem(name: "main", connected: false, since: t0, failure: failure, consecutiveFailures: 4),
            BrokerStatusItem(name: "other", connected: true, since: t0, failure: nil, consecutiveFailures: 0),
        ]
        guard case .some(let parsed) = BrokerStatusJSON.parse(BrokerStatusJSON.render(items).body) else {
            Issue.record("the answer does not parse")
            return
        }
        #expect(parsed == items)
        #expect(
            BrokerStatusJSON.downLines(parsed)
                == "broker main not connected since 2026-09-21T14:13:20.000Z: \(failure.description) (4 failed attempts)\n"
        )
    }
}
