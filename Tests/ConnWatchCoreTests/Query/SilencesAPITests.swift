import Testing

@testable import ConnWatchCore

@Suite struct SilencesAPITests {
    let now = ms("2026-11-28T06:00:00Z")

    func pipeline(configSilences: [Silence] = []) -> NotificationPipeline {
        var config = ConnWatchConfig()
        config.silences = configSilences
        return NotificationPipeline(config: config)
    }

    /// A pipeline whose configuration silences `a=1` (id `config-1`) until far ahead.
    func pipelineWithConfigSilence() throws -> NotificationPipeline {
        pipeline(configSilences: [try silence("config-1", "a=1", until: now * 2, from: 0)])
    }

    func silence(_ id: String, _ matcher: String, until end: Int64, from start: Int64? = nil) throws -> Silence {
        Silence(id: id, matchers: [try LabelMatcher(parsing: matcher)], startsAt: start ?? now, endsAt: end)
    }

    func post(_ body: String) throws(APIError) -> Silence {
        try SilencesJSON.parse(Array(body.utf8), newID: "new-id", now: now)
    }

    @Test func parsesAnAlertmanagerSilence() throws {
        let silence = try post(
            #"{"matchers":[{"name":"client_id","value":"d:org1:sensor:s1","isRegex":false},"#
                + #"{"name":"type_id","value":"sensor.*","isRegex":true,"isEqual":false}],"#
                + #""endsAt":"2026-11-28T08:00:00Z","comment":"swap battery","createdBy":"ops"}"#
        )
        #expect(silence.id == "new-id")
        #expect(silence.startsAt == now)
        #expect(silence.endsAt == now + 2 * 3_600_000)
        #expect(silence.matchers.map(\.description) == [#"client_id="d:org1:sensor:s1""#, #"type_id!~"sensor.*""#])
        #expect(silence.comment == "swap battery" && silence.createdBy == "ops")
    }

    @Test func badSilencesNameTheField() {
        let cases: [(String, String)] = [
            ("not json", "body"),
            (#"{"endsAt":"2026-11-28T08:00:00Z"}"#, "matchers"),
            (#"{"matchers":[],"endsAt":"2026-11-28T08:00:00Z"}"#, "matchers"),
            (#"{"matchers":[{"name":"a"}],"endsAt":"2026-11-28T08:00:00Z"}"#, "matchers[0].value"),
            (#"{"matchers":[{"name":"1a","value":"x"}],"endsAt":"2026-11-28T08:00:00Z"}"#, "matchers[0]"),
            (#"{"matchers":[{"name":"a","value":"(","isRegex":true}],"endsAt":"2026-11-28T08:00:00Z"}"#, "matchers[0]"),
            (#"{"matchers":[{"name":"a","value":"x"}]}"#, "endsAt"),
            (#"{"matchers":[{"name":"a","value":"x"}],"endsAt":"soon"}"#, "endsAt"),
            (#"{"matchers":[{"name":"a","value":"x"}],"endsAt":"2026-11-28T05:00:00Z"}"#, "endsAt"),
            (#"{"matchers":[{"name":"a","value":"x"}],"startsAt":"x","endsAt":"2026-11-28T08:00:00Z"}"#, "startsAt"),
            (#"{"matchers":[{"name":"a","value":7}],"endsAt":"2026-11-28T08:00:00Z"}"#, "matchers[0].value"),
        ]
        for (body, field) in cases {
            do {
                _ = try post(body)
                Issue.record("accepted: \(body)")
            } catch {
                #expect(error.status == 400 && error.parameter == field, "\(body): \(error)")
            }
        }
    }

    @Test func apiSilencesMuteAndSurviveReconfiguration() throws {
        var pipeline = try pipelineWithConfigSilence()
        let silence = try silence("api-1", "a=2", until: now + 1000)
        let added = pipeline.addSilence(silence, now: now)
        #expect(added == .added)
        #expect(pipeline.silences.isSilenced(LabelSet(["a": "2"]), at: now))
        #expect(pipeline.silences.isSilenced(LabelSet(["a": "1"]), at: now))
        var reloaded = ConnWatchConfig()
        reloaded.silences = []
        pipeline.reconfigure(reloaded, now: now)
        #expect(pipeline.apiSilences.map(\.id) == ["api-1"])
        #expect(pipeline.configSilences.isEmpty)
        #expect(pipeline.silences.isSilenced(LabelSet(["a": "2"]), at: now))
        #expect(!pipeline.silences.isSilenced(LabelSet(["a": "1"]), at: now))
    }

    @Test func expiringEndsTheSilenceAndRefusesConfigOnes() throws {
        var pipeline = try pipelineWithConfigSilence()
        let silence = try silence("api-1", "a=2", until: now + 1000)
        let clash = pipeline.addSilence(Silence(id: "config-1", matchers: [], startsAt: 0, endsAt: 1), now: now)
        #expect(clash == .fromConfiguration)
        pipeline.addSilence(silence, now: now)
        let first = pipeline.expireSilence(id: "api-1", at: now + 10)
        #expect(first == .expired)
        #expect(!pipeline.silences.isSilenced(LabelSet(["a": "2"]), at: now + 10))
        let second = pipeline.expireSilence(id: "api-1", at: now + 20)
        #expect(second == .alreadyExpired)
        let configured = pipeline.expireSilence(id: "config-1", at: now)
        #expect(configured == .fromConfiguration)
        let unknown = pipeline.expireSilence(id: "nope", at: now)
        #expect(unknown == .notFound)
        #expect(SilencesJSON.expired(.notFound, id: "nope").status == 404)
        #expect(SilencesJSON.expired(.fromConfiguration, id: "config-1").status == 409)
        let listed = try #require(try json(SilencesJSON.list(pipeline, now: now + 30)) as? [[String: Any]])
        #expect(listed.map { $0["id"] as? String } == ["config-1", "api-1"])
        #expect((listed[1]["status"] as? [String: String])?["state"] == "expired")
        #expect(listed[0]["source"] as? String == "config")
        // Long expired silences are forgotten when the next is added.
        pipeline.addSilence(
            Silence(id: "api-2", matchers: [try LabelMatcher(parsing: "a=3")], startsAt: now, endsAt: now * 2),
            now: now + NotificationPipeline.expiredSilenceRetention + 100
        )
        #expect(pipeline.apiSilences.map(\.id) == ["api-2"])
        pipeline.addSilence(try self.silence("api-3", "a=4", until: now * 2), now: now, limit: 2)
        let full = pipeline.addSilence(try self.silence("one-too-many", "a=5", until: now * 2), now: now, limit: 2)
        #expect(full == .limitReached)
        #expect(pipeline.apiSilences.map(\.id) == ["api-2", "api-3"])
        let replaced = pipeline.addSilence(try self.silence("api-2", "a=6", until: now * 2), now: now, limit: 2)
        #expect(replaced == .added, "replacing an existing one still works at the limit")
    }

    @Test func alertsListFiringThenPendingWithSilencesAndInhibition() throws {
        var pipeline = pipeline()
        pipeline.inhibitor = Inhibitor(rules: [
            InhibitRule(
                sourceMatchers: [try LabelMatcher(parsing: "alertname=fleet")],
                targetMatchers: [try LabelMatcher(parsing: "alertname=device")],
                equal: []
            )
        ])
        pipeline.addSilence(
            Silence(id: "s", matchers: [try LabelMatcher(parsing: "client_id=c1")], startsAt: 0, endsAt: now * 2),
            now: now
        )
        let fleet = Alert(
            labels: LabelSet(["alertname": "fleet"]),
            annotations: LabelSet(),
            rule: "fleet",
            state: .firing,
            activeSince: now - 10,
            startsAt: now - 5
        )
        let device = Alert(
            labels: LabelSet(["alertname": "device", "client_id": "c1"]),
            annotations: LabelSet(["summary": "c1 down"]),
            rule: "device",
            state: .firing,
            activeSince: now - 10,
            startsAt: now - 1
        )
        let waiting = Alert(
            labels: LabelSet(["alertname": "device", "client_id": "c2"]),
            annotations: LabelSet(),
            rule: "device",
            state: .pending,
            activeSince: now,
            startsAt: now
        )
        // A pending alert that also fires is listed once, as firing.
        let stale = Alert(
            labels: device.labels,
            annotations: LabelSet(),
            rule: "device",
            state: .pending,
            activeSince: now,
            startsAt: now
        )
        let body = try #require(
            try json(
                AlertsJSON.render(firing: [device, fleet], pending: [waiting, stale], pipeline: pipeline, now: now)
            )
                as? [[String: Any]]
        )
        #expect(body.map { $0["rule"] as? String } == ["fleet", "device", "device"])
        #expect(body.map { $0["state"] as? String } == ["firing", "firing", "pending"])
        #expect(body[1]["silencedBy"] as? [String] == ["s"])
        #expect(body[1]["inhibited"] as? Bool == true)
        #expect(body[1]["inhibitedBy"] as? [String] == [fleet.fingerprint])
        #expect(body[0]["inhibited"] as? Bool == false)
        #expect(body[0]["inhibitedBy"] as? [String] == [])
        #expect((body[1]["annotations"] as? [String: String])?["summary"] == "c1 down")
        // An alert the engine holds back (a fleet_offline alert speaks for its client) is inhibited by it.
        var held = waiting
        held.state = .firing
        let heldBack = try #require(
            try json(
                AlertsJSON.render(
                    firing: [fleet, held],
                    pending: [],
                    pipeline: self.pipeline(),
                    now: now,
                    heldBack: [waiting.fingerprint: [fleet.fingerprint]]
                )
            ) as? [[String: Any]]
        )
        #expect(heldBack.map { $0["inhibited"] as? Bool } == [false, true])
        #expect(heldBack[1]["inhibitedBy"] as? [String] == [fleet.fingerprint])
    }

    /// The receivers listed are those the alert goes to: its rule's, else `defaults.receivers`.
    @Test func alertsNameTheReceiversTheyGoTo() throws {
        var config = ConnWatchConfig()
        config.defaults.receivers = ["team"]
        config.receivers = [
            ReceiverConfig(name: "team", type: .webhook), ReceiverConfig(name: "pager", type: .webhook),
        ]
        let alerts = [("own", ["pager"]), ("default", [])].map { name, receivers in
            Alert(
                labels: LabelSet(["alertname": name]),
                annotations: LabelSet(),
                rule: name,
                state: .firing,
                activeSince: now,
                startsAt: now,
                receivers: receivers
            )
        }
        let body = try #require(
            try json(
                AlertsJSON.render(
                    firing: alerts,
                    pending: [],
                    pipeline: NotificationPipeline(config: config),
                    now: now
                )
            ) as? [[String: Any]]
        )
        #expect(Set(body.compactMap { $0["receivers"] as? [String] }) == [["pager"], ["team"]])
    }
}

@Suite struct MetricsTextTests {
    @Test func writesPrometheusText() {
        var snapshot = MetricsSnapshot(version: "0.1.0", startTime: 1_500)
        snapshot.clients = [.connected: 2, .disconnected: 1, .unknown: 0]
        snapshot.feeds = [
            .init(broker: "main", subscription: "iot-2/+ (watson-iot)", decoded: 7, unknownTopics: 1, undecodable: 2)
        ]
        snapshot.engine.events = 7
        snapshot.engine.outOfOrder = 3
        snapshot.alerts = [.firing: 2]
        snapshot.delivery.sent = ["slack": 4]
        snapshot.delivery.failed = ["slack": 1]
        snapshot.brokers = [("main", true), ("b\"2", false)]
        let text = MetricsText.render(snapshot)
        let lines = Set(text.split(separator: "\n").map(String.init))
        for expected in [
            #"connwatch_build_info{version="0.1.0"} 1"#, "connwatch_start_time_seconds 1.5",
            #"connwatch_clients{status="connected"} 2"#, #"connwatch_clients{status="disconnected"} 1"#,
            #"connwatch_clients{status="unknown"} 0"#,
            #"connwatch_events_decoded_total{broker="main",subscription="iot-2/+ (watson-iot)"} 7"#,
            #"connwatch_events_undecodable_total{broker="main",subscription="iot-2/+ (watson-iot)",reason="undecodable"} 2"#,
            "connwatch_events_total 7", "connwatch_events_out_of_order_total 3",
            #"connwatch_alerts{state="firing"} 2"#,
            #"connwatch_notifications_total{receiver="slack"} 4"#,
            #"connwatch_notifications_failed_total{receiver="slack"} 1"#,
            #"connwatch_mqtt_connected{broker="main"} 1"#, #"connwatch_mqtt_connected{broker="b\"2"} 0"#,
            "connwatch_config_last_reload_successful 1", "# TYPE connwatch_events_total counter",
        ] {
            #expect(lines.contains(expected), "\(expected)")
        }
        #expect(!text.contains(#"state="pending""#), "an unknown count is left out, not written as 0")
        // Every sample belongs to a family declared before it.
        var declared = Set<String>()
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                declared.insert(String(line.split(separator: " ")[2]))
            } else if !line.hasPrefix("#") {
                let name = line.prefix { $0 != "{" && $0 != " " }
                #expect(declared.contains(String(name)), "\(line)")
            }
        }
    }
}
