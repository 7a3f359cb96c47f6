import ConnWatchTestSupport
import Foundation
import Testing

/// What the API and the CLI say about alerts, silences and failures, through a real broker and
/// `connwatch run`.
@Suite(.serialized) struct APIContractTests {
    /// A fleet-wide outage: the `fleet_offline` alert fires first and holds the per-client alerts
    /// back. The API lists those as inhibited by the fleet alert, every alert with the receivers
    /// `defaults.receivers` gives it, and `connwatch alerts` marks them inhibited.
    @Test func alertsHeldBackByAFleetAlertAreInhibitedAndEveryAlertNamesItsReceivers() async throws {
        let fleetRule = """
              - name: sensors_down
                kind: fleet_offline
                group_by: type_id
                ratio: 50%
                min_clients: 2
                for: 1s
                match:
                  client_type: device
            """
        let fixture = try APIFixture(forDuration: "4s", rulesExtra: fleetRule)
        try #require(await fixture.ready(), "log:\n\(fixture.daemon.log)")
        for id in ["f1", "f2"] { try fixture.publish(id, "Connect") }
        for id in ["f1", "f2"] { try fixture.publish(id, "Disconnect", closeCode: 91) }
        let answer = try await fixture.poll("/api/v1/alerts", timeout: .seconds(30)) { answer in
            let alerts = (try? answer.json()) as? [[String: Any]] ?? []
            return alerts.filter { $0["state"] as? String == "firing" }.count == 3
        }
        let alerts = try #require(try answer.json() as? [[String: Any]], "\(answer.body)")
        let fleet = try #require(alerts.first { $0["rule"] as? String == "sensors_down" }, "\(answer.body)")
        let fleetFingerprint = try #require(fleet["fingerprint"] as? String)
        #expect(fleet["inhibited"] as? Bool == false)
        #expect(fleet["inhibitedBy"] as? [String] == [])
        #expect(fleet["receivers"] as? [String] == ["hook"])
        let perClient = alerts.filter { $0["rule"] as? String == "sensor_offline" }
        #expect(perClient.count == 2, "\(answer.body)")
        for alert in perClient {
            #expect(alert["state"] as? String == "firing")
            #expect(alert["inhibited"] as? Bool == true, "\(alert)")
            #expect(alert["inhibitedBy"] as? [String] == [fleetFingerprint], "\(alert)")
            #expect(alert["receivers"] as? [String] == ["hook"], "\(alert)")
        }
        let table = try runConnWatch(["alerts", "--config", fixture.configPath])
        #expect(table.status == 0, "\(table.stderr)")
        let rows = table.stdout.split(separator: "\n").filter { $0.contains("sensor_offline") }
        #expect(rows.count == 2 && rows.allSatisfy { $0.contains("inhibited") }, "\(table.stdout)")
        #expect(
            !(table.stdout.split(separator: "\n").first { $0.contains("sensors_down") } ?? "").contains("inhibited")
        )
    }

    /// An expired API silence is still listed after a restart, as expired (kept 5 days, as the
    /// document says), and an active one is still active.
    @Test func expiredSilencesAreStillListedAfterARestart() async throws {
        let fixture = try APIFixture()
        try #require(await fixture.ready(), "log:\n\(fixture.daemon.log)")
        var ids: [String] = []
        for client in ["a", "b"] {
            let created = try callAPI(
                "POST",
                fixture.base + "/api/v1/silences",
                body: #"{"matchers":[{"name":"client_id","value":"\#(client)"}],"endsAt":"2099-01-01T00:00:00Z"}"#
            )
            ids.append(try #require((try created.json() as? [String: String])?["silenceID"], "\(created.body)"))
        }
        #expect(try callAPI("DELETE", fixture.base + "/api/v1/silences/\(ids[0])").status == 200)
        try fixture.restart()
        try #require(await fixture.ready(), "log:\n\(fixture.daemon.log)")
        let listed = try #require(try callAPI("GET", fixture.base + "/api/v1/silences").json() as? [[String: Any]])
        let states = Dictionary(
            uniqueKeysWithValues: listed.compactMap { silence -> (String, String)? in
                guard let id = silence["id"] as? String, let status = silence["status"] as? [String: Any],
                    let state = status["state"] as? String
                else { return nil }
                return (id, state)
            }
        )
        #expect(states == [ids[0]: "expired", ids[1]: "active"], "\(listed)")
    }

    /// One exit-status table for every command: an error answer is 1 whatever its status, an
    /// unreachable daemon 69, bad usage 64, a configuration without the API 78; `--help` prints the table.
    @Test func exitStatusesFollowOneTable() async throws {
        let fixture = try APIFixture()
        try #require(await fixture.ready(), "log:\n\(fixture.daemon.log)")
        let notFound = try runConnWatch(["status", "d:org1:sensor:none", "--config", fixture.configPath])
        #expect(notFound.status == 1 && notFound.stderr.contains("HTTP 404"), "\(notFound.stderr)")
        let badParameter = try runConnWatch(["logs", "x", "--limit", "5000", "--config", fixture.configPath])
        #expect(badParameter.status == 1 && badParameter.stderr.contains("HTTP 400"), "\(badParameter.stderr)")
        let noSilence = try runConnWatch(["silence", "expire", "none", "--config", fixture.configPath])
        #expect(noSilence.status == 1, "\(noSilence.stderr)")
        let nobody = try runConnWatch(["forget", "d:org1:sensor:none", "--config", fixture.configPath])
        #expect(nobody.status == 1, "\(nobody.stderr)")
        let closed = try FreePort.loopback()
        let unreachable = try runConnWatch(["status", "--url", "http://127.0.0.1:\(closed)"])
        #expect(unreachable.status == 69, "\(unreachable.stderr)")
        let usage = try runConnWatch(["status", "--connected", "--disconnected", "--url", fixture.base])
        #expect(usage.status == 64, "\(usage.stderr)")
        let disabled = try fixture.dir.write("disabled.yaml", "api:\n  enabled: false\n")
        let off = try runConnWatch(["status", "--config", disabled])
        #expect(off.status == 78, "\(off.stderr)")
        let help = try runConnWatch(["--help"])
        for line in ["EXIT STATUS", "0   success", "1   failure", "64  usage", "69  unavailable", "78  configuration"] {
            #expect(help.stdout.contains(line), "\(line) in:\n\(help.stdout)")
        }
        // README's table has the same statuses.
        let readme = try String(contentsOfFile: ConnWatchBinary.packageRoot + "/README.md", encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "#### Exit status").dropFirst().first)
        let statuses = section.split(separator: "\n").prefix { !$0.hasPrefix("#") }
            .compactMap { line -> Int? in
                guard line.hasPrefix("| ") else { return nil }
                return Int(line.dropFirst(2).prefix { $0 != " " })
            }
        #expect(statuses == [0, 1, 64, 69, 78], "\(section)")
    }
}
