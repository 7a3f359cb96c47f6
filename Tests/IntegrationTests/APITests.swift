import ConnWatchTestSupport
import Foundation
import Testing
import Yams

/// The query API and the CLI against a real broker and a real `connwatch run`.
@Suite(.serialized, .timeLimit(.minutes(3))) struct APITests {
    @Test func statesOfPublishedClientsFiltersAnd404() async throws {
        let fixture = try APIFixture(forDuration: "1h")
        try #require(await fixture.ready(), "log:\n\(fixture.daemon.log)")
        try fixture.publish("s1", "Connect")
        try fixture.publish("s2", "Connect")
        try fixture.publish("s2", "Disconnect", closeCode: 160, reason: "The connection timed out")
        let all = try await fixture.poll("/api/v0002/clientconnectionstates") { answer in
            answer.body.contains("\"disconnected\"") && answer.body.contains("sensor:s1")
        }
        #expect(all.status == 200)
        #expect(all.contentType.hasPrefix("application/json"))
        let page = try #require(try all.json() as? [String: Any])
        let results = try #require(page["results"] as? [[String: Any]])
        #expect(results.map { $0["id"] as? String } == ["d:org1:sensor:s1", "d:org1:sensor:s2"])
        #expect(page["bookmark"] == nil)
        let s2 = results[1]
        #expect(s2["connectionStatus"] as? String == "disconnected")
        #expect(s2["disconnectedBy"] as? String == "network")
        #expect(s2["reasonCode"] as? Int == 160)
        #expect(s2["reason"] as? String == "The connection timed out")
        #expect(s2["mqttConnectProtocol"] as? String == "3.1.1")
        #expect((s2["lastDisconnectTime"] as? String)?.hasSuffix("Z") == true)

        let connected = try callAPI(
            "GET",
            fixture.base + "/api/v0002/clientconnectionstates?connectionStatus=connected"
        )
        #expect(connected.body.contains("sensor:s1") && !connected.body.contains("sensor:s2"))
        let paged = try callAPI("GET", fixture.base + "/api/v0002/clientconnectionstates?_limit=1&_sort=-id")
        let first = try #require(try paged.json() as? [String: Any])
        let bookmark = try #require(first["bookmark"] as? String)
        #expect((first["results"] as? [[String: Any]])?.first?["id"] as? String == "d:org1:sensor:s2")
        let next = try callAPI(
            "GET",
            fixture.base + "/api/v0002/clientconnectionstates?_limit=1&_sort=-id&_bookmark=\(bookmark)"
        )
        #expect(next.body.contains("sensor:s1"))

        let one = try callAPI("GET", fixture.base + "/api/v0002/clientconnectionstates/d:org1:sensor:s2")
        #expect(one.status == 200 && one.body.contains("\"connectionStatus\":\"disconnected\""))
        let missing = try callAPI("GET", fixture.base + "/api/v0002/clientconnectionstates/d:org1:sensor:nope")
        #expect(missing.status == 404)
        #expect((try missing.json() as? [String: Any])?["error"] is String)
        let bad = try callAPI("GET", fixture.base + "/api/v0002/clientconnectionstates?_limit=0")
        #expect(bad.status == 400)
        #expect((try bad.json() as? [String: Any])?["parameter"] as? String == "_limit")
        let nowhere = try callAPI("GET", fixture.base + "/api/v9/nothing")
        #expect(nowhere.status == 404)

        // broker=NAME: the configured broker's clients; any other text finds none or is a 400 naming it.
        let byBroker = try callAPI("GET", fixture.base + "/api/v0002/clientconnectionstates?broker=test")
        #expect(byBroker.body.contains("sensor:s1") && byBroker.body.contains("sensor:s2"), "\(byBroker.body)")
        let long = String(repeating: "%E6%9D%B1", count: 2_000)
        for hostile in ["other", "test%00", "%00", "te%0Ast", "%E2%80%AEtset", "tes%CC%81", "%F0%9F%91%A9", long] {
            let answer = try callAPI("GET", fixture.base + "/api/v0002/clientconnectionstates?broker=" + hostile)
            #expect(answer.status == 200, "\(hostile.prefix(30)): \(answer.body)")
            #expect((try? answer.json() as? [String: Any])?["results"] as? [Any] != nil, "\(answer.body)")
            #expect(!answer.body.contains("sensor:"), "\(hostile.prefix(30))")
        }
        for bad in ["", "%FF", "a&broker=b"] {
            let answer = try callAPI("GET", fixture.base + "/api/v0002/clientconnectionstates?broker=" + bad)
            #expect(answer.status == 400, "\(bad)")
            #expect((try? answer.json() as? [String: Any])?["parameter"] as? String == "broker", "\(answer.body)")
        }

        let log = try callAPI("GET", fixture.base + "/api/v0002/logs/connection?typeId=sensor&deviceId=s2")
        let entries = try #require(try log.json() as? [[String: Any]])
        #expect(entries.map { $0["action"] as? String } == ["Disconnect", "Connect"])
        #expect((entries[0]["message"] as? String)?.contains("The connection timed out") == true)
        #expect(fixture.daemon.process.isRunning)
    }

    @Test func bearerTokenGuardsEverythingButHealthy() async throws {
        let fixture = try APIFixture(
            apiExtra: "  bearer_token_file: token\n",
            files: ["token": "t0ps3cret\n"]
        )
        try #require(await fixture.ready(), "log:\n\(fixture.daemon.log)")
        for path in ["/api/v0002/clientconnectionstates", "/metrics", "/api/v1/alerts", "/-/ready"] {
            let anonymous = try callAPI("GET", fixture.base + path)
            #expect(anonymous.status == 401, "\(path)")
            #expect(try callAPI("GET", fixture.base + path, token: "t0ps3creT").status == 401, "\(path)")
            #expect(try callAPI("GET", fixture.base + path, token: "t0ps3cret").status == 200, "\(path)")
        }
        #expect(try callAPI("POST", fixture.base + "/-/reload").status == 401)
        #expect(try callAPI("GET", fixture.base + "/-/healthy").status == 200)
        let cli = try runConnWatch(["status", "--config", fixture.configPath])
        #expect(cli.status == 0, "\(cli.stderr)")
        #expect(cli.stdout.hasPrefix("CLIENT"))
        let noToken = try runConnWatch(["status", "--config", "/nonexistent.yaml", "--url", fixture.base])
        #expect(noToken.status == 1)
        #expect(noToken.stderr.contains("HTTP 401"), "\(noToken.stderr)")
    }

    @Test func silenceMutesAnAlertAndExpires() async throws {
        let fixture = try APIFixture(forDuration: "1s")
        try #require(await fixture.ready(), "log:\n\(fixture.daemon.log)")
        // Silence s2 through the CLI before it goes offline; s1 stays unsilenced.
        let add = try runConnWatch([
            "silence", "add", "client_id=d:org1:sensor:s2", "alertname=~sensor_.*", "--duration", "2h", "--comment",
            "battery swap", "--author", "ops", "--config", fixture.configPath,
        ])
        try #require(add.status == 0, "\(add.stderr)")
        let id = add.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!id.isEmpty)
        for device in ["s1", "s2"] {
            try fixture.publish(device, "Connect")
            try fixture.publish(device, "Disconnect", closeCode: 160, reason: "The connection timed out")
        }
        let alerts = try await fixture.poll("/api/v1/alerts") { answer in
            ((try? answer.json()) as? [[String: Any]])?.filter { $0["state"] as? String == "firing" }.count == 2
        }
        let list = try #require(try alerts.json() as? [[String: Any]])
        try #require(list.count == 2, "\(alerts.body)\nlog:\n\(fixture.daemon.log)")
        let byClient = Dictionary(
            list.map { (($0["labels"] as? [String: String])?["client_id"] ?? "", $0) },
            uniquingKeysWith: { first, _ in first }
        )
        #expect(byClient["d:org1:sensor:s2"]?["silencedBy"] as? [String] == [id])
        #expect(byClient["d:org1:sensor:s1"]?["silencedBy"] as? [String] == [])
        // One client's alerts, and a listing cut to a limit that still says how many there are.
        let own = try callAPI("GET", fixture.base + "/api/v1/alerts?client=d:org1:sensor:s2")
        let ownList = try #require(try own.json() as? [[String: Any]], "\(own.body)")
        #expect(ownList.map { ($0["labels"] as? [String: String])?["client_id"] } == ["d:org1:sensor:s2"])
        #expect(ownList.first?["silencedBy"] as? [String] == [id])
        #expect(try callAPI("GET", fixture.base + "/api/v1/alerts?client=d:org1:sensor:none").body == "[]")
        let first = try callAPI("GET", fixture.base + "/api/v1/alerts?limit=1")
        #expect((try first.json() as? [[String: Any]])?.count == 1, "\(first.body)")
        let total = try curl([
            "-sS", "-o", "/dev/null", "-w", "%header{x-total-count}", fixture.base + "/api/v1/alerts?limit=1",
        ])
        #expect(total == "2", "X-Total-Count counts the alerts not listed too")
        for bad in ["limit=0", "limit=10001", "limit=x", "client=a&client=b", "clients=a"] {
            #expect(try callAPI("GET", fixture.base + "/api/v1/alerts?" + bad).status == 400, "\(bad)")
        }
        // Only s1's alert reaches the receiver.
        let delivered = await fixture.hook.waitForRequests(count: 1, timeout: .seconds(15))
        try #require(delivered.count == 1)
        #expect(delivered[0].bodyText.contains("sensor:s1") && !delivered[0].bodyText.contains("sensor:s2"))

        // A reload keeps the API silence.
        let reload = try callAPI("POST", fixture.base + "/-/reload")
        #expect(reload.status == 200 && reload.body.contains("\"applied\":true"), "\(reload.body)")
        let silences = try runConnWatch(["silence", "list", "--config", fixture.configPath])
        #expect(silences.stdout.contains(id) && silences.stdout.contains("active"), "\(silences.stdout)")
        #expect(silences.stdout.contains("client_id=d:org1:sensor:s2 alertname=~sensor_.*"))
        // And it is in the store, for the next start: a restarted daemon still has it.
        #expect(try sqliteQuery("\(fixture.dir.path)/state/connwatch.sqlite", "select id from silences") == id)
        try fixture.restart()
        try #require(await fixture.ready(), "log:\n\(fixture.daemon.log)")
        let restarted = try runConnWatch(["silence", "list", "--config", fixture.configPath])
        #expect(restarted.stdout.contains(id) && restarted.stdout.contains("active"), "\(restarted.stdout)")
        let restored = try callAPI("GET", fixture.base + "/api/v1/alerts")
        let restoredS2 = ((try restored.json() as? [[String: Any]]) ?? []).first {
            ($0["labels"] as? [String: String])?["client_id"] == "d:org1:sensor:s2"
        }
        #expect(restoredS2?["silencedBy"] as? [String] == [id], "\(restored.body)")

        // Still nothing about s2 was delivered while the silence held.
        #expect(fixture.hook.requests.allSatisfy { !$0.bodyText.contains("sensor:s2") })
        let expire = try runConnWatch(["silence", "expire", id, "--config", fixture.configPath])
        #expect(expire.status == 0, "\(expire.stderr)")
        let after = try callAPI("GET", fixture.base + "/api/v1/alerts")
        #expect(!after.body.contains(id), "\(after.body)")
        let expired = try callAPI("GET", fixture.base + "/api/v1/silences")
        let entry = (try expired.json() as? [[String: Any]])?.first { $0["id"] as? String == id }
        #expect((entry?["status"] as? [String: String])?["state"] == "expired")
        #expect(try callAPI("DELETE", fixture.base + "/api/v1/silences/unknown-id").status == 404)
        let badSilence = try callAPI("POST", fixture.base + "/api/v1/silences", body: #"{"matchers":[]}"#)
        #expect(badSilence.status == 400)
        let cliAlerts = try runConnWatch(["alerts", "--config", fixture.configPath])
        #expect(cliAlerts.stdout.contains("firing") && cliAlerts.stdout.contains("d:org1:sensor:s1"))
        let cliOwn = try runConnWatch(["alerts", "--client", "d:org1:sensor:s2", "--config", fixture.configPath])
        #expect(cliOwn.status == 0, "\(cliOwn.stderr)")
        #expect(cliOwn.stdout.contains("d:org1:sensor:s2") && !cliOwn.stdout.contains("d:org1:sensor:s1"))
        let cliBad = try runConnWatch(["alerts", "--limit", "0", "--config", fixture.configPath])
        #expect(cliBad.status != 0 && cliBad.stderr.contains("limit"), "\(cliBad.stderr)")
    }

    @Test func metricsMoveWithMessagesAndReloadAnswers() async throws {
        let fixture = try APIFixture(forDuration: "1h")
        try #require(await fixture.ready(), "log:\n\(fixture.daemon.log)")
        let before = try callAPI("GET", fixture.base + "/metrics")
        #expect(before.status == 200)
        #expect(before.contentType.hasPrefix("text/plain; version=0.0.4"))
        #expect(metric(before.body, "connwatch_build_info", #"version="0.1.0""#) == 1)
        let decoded = metricSum(before.body, "connwatch_events_decoded_total")
        for device in ["m1", "m2", "m3"] { try fixture.publish(device, "Connect") }
        try fixture.broker.publish(topic: "iot-2/type/sensor/id/junk/mon", payload: "{\"Action\":")
        let moved = try await fixture.poll("/metrics") { answer in
            metricSum(answer.body, "connwatch_events_decoded_total") >= decoded + 3
                && metricSum(answer.body, "connwatch_events_undecodable_total") >= 1
        }
        #expect(metricSum(moved.body, "connwatch_events_decoded_total") == decoded + 3, "\(moved.body)")
        #expect(metric(moved.body, "connwatch_clients", #"status="connected""#) == 3)
        #expect(metric(moved.body, "connwatch_events_total") == 3)
        #expect(metric(moved.body, "connwatch_mqtt_connected", #"broker="test""#) == 1)
        #expect(try callAPI("GET", fixture.base + "/-/ready").status == 200)

        let good = try callAPI("POST", fixture.base + "/-/reload")
        #expect(good.status == 200 && good.body == #"{"applied":true}"#, "\(good.body)")
        let original = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
        try (original + "\nrules: nonsense\n").write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        let rejected = try callAPI("POST", fixture.base + "/-/reload")
        #expect(rejected.status == 500)
        let answer = try #require(try rejected.json() as? [String: Any])
        #expect(answer["applied"] as? Bool == false)
        #expect((answer["error"] as? String)?.contains("rules") == true, "\(rejected.body)")
        let metrics = try callAPI("GET", fixture.base + "/metrics")
        #expect(metric(metrics.body, "connwatch_config_last_reload_successful") == 0)
        #expect(fixture.daemon.process.isRunning)

        // A file the daemon rejects still tells the CLI where the API is and its token: a broken
        // rule, and tabs in the indentation.
        let broken = original.replacingOccurrences(of: "kind: offline", with: "kind: offlne")
            .replacingOccurrences(of: "  client_id:", with: "\tclient_id:")
        try #require(broken != original)
        try broken.write(toFile: fixture.configPath, atomically: true, encoding: .utf8)
        #expect(try runConnWatch(["check", "--config", fixture.configPath]).status == 78)
        for command in [["status"], ["alerts"], ["silence", "list"]] {
            let cli = try runConnWatch(command + ["--config", fixture.configPath])
            #expect(cli.status == 0, "\(command): \(cli.stderr)")
        }
    }

    @Test func cliStatusPrintsTheTableAndJSON() async throws {
        let fixture = try APIFixture(forDuration: "1h")
        try #require(await fixture.ready(), "log:\n\(fixture.daemon.log)")
        try fixture.publish("gw-7", "Connect")
        try fixture.publish("th-1", "Connect")
        try fixture.publish("th-1", "Disconnect", closeCode: 160, reason: "The connection timed out")
        _ = try await fixture.poll("/api/v0002/clientconnectionstates?connectionStatus=disconnected") { answer in
            answer.body.contains("th-1")
        }
        let table = try runConnWatch(["status", "--config", fixture.configPath])
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n").map {
            $0.split(separator: " ", omittingEmptySubsequences: true)
        }
        try #require(lines.count == 3, "\(table.stdout)")
        #expect(lines[0].joined(separator: " ") == "CLIENT STATUS SINCE LAST REASON DISCONNECTED BY")
        #expect(lines[1].first == "d:org1:sensor:gw-7" && lines[1].dropFirst().first == "connected")
        #expect(lines[2].first == "d:org1:sensor:th-1" && lines[2].dropFirst().first == "disconnected")
        #expect(lines[2].last == "network")
        #expect(table.stdout.contains("The connection timed out (keepalive_timeout, code 160)"), "\(table.stdout)")
        // Every column starts at the same offset in every row.
        let rows = table.stdout.split(separator: "\n").map(String.init)
        let statusColumn = try #require(rows[0].range(of: "STATUS")).lowerBound.utf16Offset(in: rows[0])
        for row in rows.dropFirst() {
            #expect(row.count > statusColumn && row[row.index(row.startIndex, offsetBy: statusColumn - 1)] == " ")
            #expect(row[row.index(row.startIndex, offsetBy: statusColumn)] != " ")
        }
        let disconnected = try runConnWatch(["status", "--disconnected", "--config", fixture.configPath])
        #expect(disconnected.stdout.contains("th-1") && !disconnected.stdout.contains("gw-7"))
        let ofBroker = try runConnWatch(["status", "--broker", "test", "--connected", "--config", fixture.configPath])
        #expect(ofBroker.stdout.contains("gw-7") && !ofBroker.stdout.contains("th-1"), "\(ofBroker.stdout)")
        let ofNone = try runConnWatch(["status", "--broker", "t e\tst/é", "--json", "--config", fixture.configPath])
        #expect(
            ofNone.status == 0 && ofNone.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]",
            "\(ofNone)"
        )
        let json = try runConnWatch(["status", "--json", "--since", "1h", "--url", fixture.base])
        let items = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]],
            "\(json.stdout)\(json.stderr)"
        )
        #expect(items.count == 2)
        let one = try runConnWatch(["status", "d:org1:sensor:th-1", "--config", fixture.configPath])
        #expect(one.stdout.contains("disconnected by") && one.stdout.contains("network"), "\(one.stdout)")
        let unknown = try runConnWatch(["status", "d:org1:sensor:none", "--config", fixture.configPath])
        #expect(unknown.status == 1 && unknown.stderr.contains("HTTP 404"))
        let logs = try runConnWatch(["logs", "d:org1:sensor:th-1", "--config", fixture.configPath])
        #expect(logs.stdout.split(separator: "\n").count == 2, "\(logs.stdout)")
        print("connwatch status:\n\(table.stdout)")
    }

    @Test func portInUseStopsTheDaemonWithAClearError() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let broker = try TestBroker()
        defer { broker.stop() }
        let occupier = try TestHTTPServer()
        defer { occupier.stop() }
        let config = try dir.write(
            "rules.yaml",
            daemonConfig(brokerPort: broker.port, hookURL: occupier.url, apiPort: occupier.port)
        )
        let run = try runConnWatch(["run", "--config", config, "--state-directory", dir.path + "/state"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("cannot serve the API on 127.0.0.1:\(occupier.port)"), "\(run.stderr)")
    }

    @Test func answersMatchTheOpenAPIDocument() async throws {
        let text = try String(contentsOfFile: ConnWatchBinary.packageRoot + "/docs/openapi.yaml", encoding: .utf8)
        let checker = SchemaChecker(document: try #require(try Yams.load(yaml: text)))
        let fixture = try APIFixture(forDuration: "1s")
        try #require(await fixture.ready(), "log:\n\(fixture.daemon.log)")
        try fixture.publish("o1", "Connect")
        try fixture.publish("o1", "Disconnect", closeCode: 160, reason: "The connection timed out")
        try fixture.publish("o2", "Connect")
        _ = try await fixture.poll("/api/v1/alerts") { $0.body.contains("firing") }
        let created = try callAPI(
            "POST",
            fixture.base + "/api/v1/silences",
            body: #"{"matchers":[{"name":"client_id","value":"d:org1:sensor:o1"}],"endsAt":"2099-01-01T00:00:00Z"}"#
        )
        let silenceID = try #require((try created.json() as? [String: String])?["silenceID"])
        let calls: [(path: String, method: String, url: String, body: String?)] = [
            ("/api/v0002/clientconnectionstates", "GET", "/api/v0002/clientconnectionstates?_limit=1", nil),
            ("/api/v0002/clientconnectionstates", "GET", "/api/v0002/clientconnectionstates?_sort=sideways", nil),
            (
                "/api/v0002/clientconnectionstates/{clientId}", "GET",
                "/api/v0002/clientconnectionstates/d:org1:sensor:o1", nil
            ),
            ("/api/v0002/clientconnectionstates/{clientId}", "GET", "/api/v0002/clientconnectionstates/x", nil),
            ("/api/v0002/logs/connection", "GET", "/api/v0002/logs/connection?clientId=d:org1:sensor:o1", nil),
            ("/api/v0002/logs/connection", "GET", "/api/v0002/logs/connection?typeId=sensor", nil),
            ("/api/v0002/logs/connection", "GET", "/api/v0002/logs/connection?clientId=nobody", nil),
            ("/api/v1/alerts", "GET", "/api/v1/alerts", nil),
            ("/api/v1/brokers", "GET", "/api/v1/brokers", nil),
            ("/api/v1/fleet", "GET", "/api/v1/fleet", nil),
            ("/api/v1/rules", "GET", "/api/v1/rules", nil),
            ("/api/v1/status", "GET", "/api/v1/status", nil),
            ("/", "GET", "/", nil),
            ("/console.js", "GET", "/console.js", nil),
            ("/console.css", "GET", "/console.css", nil),
            ("/api/v1/silences", "GET", "/api/v1/silences", nil),
            ("/api/v1/silences", "POST", "/api/v1/silences", #"{"matchers":[{"name":"a","value":"b"}]}"#),
            ("/api/v1/silences/{id}", "DELETE", "/api/v1/silences/\(silenceID)", nil),
            ("/api/v1/silences/{id}", "DELETE", "/api/v1/silences/none", nil),
            ("/metrics", "GET", "/metrics", nil),
            ("/-/healthy", "GET", "/-/healthy", nil),
            ("/-/ready", "GET", "/-/ready", nil),
            ("/-/reload", "POST", "/-/reload", nil),
            ("/-/reload", "PUT", "/-/reload", nil),
            (
                "/api/v0002/clientconnectionstates/{clientId}", "DELETE",
                "/api/v0002/clientconnectionstates/d:org1:sensor:o2", nil
            ),
            ("/api/v0002/clientconnectionstates/{clientId}", "DELETE", "/api/v0002/clientconnectionstates/x", nil),
        ]
        var covered = Set<String>()
        for call in calls {
            let answer = try callAPI(call.method, fixture.base + call.url, body: call.body)
            let type = answer.contentType.split(separator: ";").first.map(String.init) ?? ""
            let schema = try #require(
                checker.responseSchema(path: call.path, method: call.method, status: answer.status, contentType: type),
                "\(call.method) \(call.url) answered \(answer.status) \(answer.contentType), not in the document"
            )
            let value: Any = type == "application/json" ? try answer.json() : answer.body
            #expect(checker.problems(value, against: schema) == [], "\(call.method) \(call.url): \(answer.body)")
            covered.insert("\(call.path) \(call.method.lowercased())")
        }
        // Every operation of the document was called.
        for operation in checker.operations {
            #expect(covered.contains("\(operation.path) \(operation.method)"), "not exercised: \(operation)")
        }
        // The checker itself can fail.
        let itemSchema: [String: Any] = ["$ref": "#/components/schemas/ClientConnectionState"]
        #expect(
            !checker.problems(["id": "x", "clientType": "robot", "connectionStatus": "connected"], against: itemSchema)
                .isEmpty
        )
    }
}
