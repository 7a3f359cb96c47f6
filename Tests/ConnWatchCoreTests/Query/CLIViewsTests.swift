import Foundation
import Testing

@testable import ConnWatchCore

@Suite struct CLIViewsTests {
    let now = ms("2026-11-28T06:00:00Z")

    func item(_ json: String) throws -> ClientStateItem {
        try JSONDecoder().decode(ClientStateItem.self, from: Data(json.utf8))
    }

    @Test func statusTableAlignsColumns() throws {
        let items = [
            try item(
                #"{"id":"d:org1:sensor:gw-7","connectionStatus":"connected","lastConnectTime":"2026-11-28T05:57:00.000Z"}"#
            ),
            try item(
                #"{"id":"d:org1:sensor:th-1","connectionStatus":"disconnected","lastDisconnectTime":"2026-11-28T03:59:30.000Z","#
                    + #""disconnectedBy":"network","reasonCode":160,"reason":"The connection timed out","cause":"keepalive_timeout"}"#
            ),
            ClientStateItem(id: "x", connectionStatus: "unknown"),
        ]
        let table = CLIViews.statusTable(items, now: now)
        let rows = table.split(separator: "\n").map(String.init)
        #expect(rows.count == 4)
        // Every row's cells start where the header's do.
        let header = rows[0]
        for title in ["STATUS", "SINCE", "LAST REASON", "DISCONNECTED BY"] {
            let offset = try #require(header.range(of: title)).lowerBound.utf16Offset(in: header)
            for row in rows.dropFirst() {
                let characters = Array(row)
                #expect(
                    characters.count > offset && characters[offset] != " " && characters[offset - 1] == " ",
                    "\(title): \(row)"
                )
            }
        }
        #expect(rows[2].contains("The connection timed out (keepalive_timeout, code 160)"))
        #expect(rows[2].hasSuffix("network"))
        #expect(rows[1].contains("3m ago"))
    }

    @Test func agoAndReason() throws {
        #expect(CLIViews.ago(nil, now: now) == "-")
        #expect(CLIViews.ago("2026-11-28T05:00:00Z", now: now) == "1h ago")
        #expect(CLIViews.ago("2026-11-28T07:00:00Z", now: now) == "in 1h")
        #expect(CLIViews.ago("garbage", now: now) == "garbage")
        var bare = ClientStateItem(id: "x", connectionStatus: "disconnected")
        #expect(CLIViews.reason(bare) == "-")
        bare.cause = "auth"
        #expect(CLIViews.reason(bare) == "auth")
    }

    @Test func detailsSilencesAndAlerts() throws {
        let detail = CLIViews.statusDetails(
            try item(#"{"id":"d:o:t:d","connectionStatus":"connected","mqttConnectProtocol":"3.1.1","broker":"main"}"#),
            now: now
        )
        #expect(detail.contains("client    d:o:t:d") || detail.contains("client  "))
        #expect(detail.contains("MQTT 3.1.1") && detail.contains("main") && !detail.contains("WebSocket"))
        let overWebSocket = CLIViews.statusDetails(
            try item(
                #"{"id":"d:o:t:d","connectionStatus":"connected","mqttConnectProtocol":"3.1.1","transport":"websocket"}"#
            ),
            now: now
        )
        #expect(overWebSocket.contains("MQTT 3.1.1 over WebSocket"), "\(overWebSocket)")
        let silences = try JSONDecoder().decode(
            [SilenceItem].self,
            from: Data(
                (#"[{"id":"s1","status":{"state":"active"},"matchers":[{"name":"type_id","value":"sensor.*","#
                    + #""isRegex":true,"isEqual":true}],"startsAt":"2026-11-28T05:00:00Z","endsAt":"2026-11-28T08:00:00Z","#
                    + #""comment":"swap","createdBy":"ops"}]"#).utf8
            )
        )
        let table = CLIViews.silencesTable(silences, now: now)
        #expect(table.contains("type_id=~sensor.*") && table.contains("ends in 2h") && table.contains("ops"))
        let alerts = try JSONDecoder().decode(
            [AlertItem].self,
            from: Data(
                (#"[{"fingerprint":"f","rule":"offline","state":"firing","labels":{"client_id":"c1"},"#
                    + #""annotations":{"summary":"c1 is offline"},"startsAt":"2026-11-28T05:50:00Z","silencedBy":["s1"],"#
                    + #""inhibited":false}]"#).utf8
            )
        )
        let alertTable = CLIViews.alertsTable(alerts, now: now)
        #expect(
            alertTable.split(separator: "\n").last?.split(separator: " ", omittingEmptySubsequences: true).prefix(5)
                == ["firing", "offline", "c1", "10m", "ago"]
        )
        #expect(alertTable.contains("silenced") && alertTable.contains("c1 is offline"))
    }
}
