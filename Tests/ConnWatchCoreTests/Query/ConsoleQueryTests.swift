import Foundation
import Testing

@testable import ConnWatchCore

/// The web console's routes and files, and the counts, rules and status its pages read.
@Suite struct ConsoleQueryTests {
    func route(_ method: String, _ path: String) -> APIRoute? { try? APIRoute.resolve(method: method, path: path) }

    @Test func consoleRoutesArePublicAndTheRestIsNot() {
        #expect(route("GET", "/") == .console(.page))
        #expect(route("HEAD", "/") == .console(.page))
        #expect(route("GET", "/console.js") == .console(.script))
        #expect(route("GET", "/console.css") == .console(.style))
        #expect(route("GET", "/console.map") == nil)
        #expect(route("GET", "/console.js/x") == nil)
        #expect(route("POST", "/") == nil)
        #expect(route("GET", "/api/v1/fleet") == .fleet)
        #expect(route("GET", "/api/v1/rules") == .rules)
        #expect(route("GET", "/api/v1/status") == .status)
        for asset in [ConsoleAsset.page, .script, .style] { #expect(APIRoute.console(asset).isPublic) }
        for route in [APIRoute.fleet, .rules, .status, .alerts, .clientStates] { #expect(!route.isPublic) }
    }

    @Test func filesCarryTheirTypeAndSecurityHeaders() {
        for asset in [ConsoleAsset.page, .script, .style] {
            let response = asset.response
            #expect(response.status == 200 && response.contentType == asset.contentType)
            #expect(response.headers["X-Content-Type-Options"] == "nosniff")
            let policy = response.headers["Content-Security-Policy"] ?? ""
            #expect(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"))
            #expect(!policy.contains("unsafe"))
            #expect(!response.body.isEmpty)
        }
        // The page loads only its own files; the script never parses text as HTML.
        #expect(ConsolePage.html.contains(#"<script src="/console.js" defer></script>"#))
        #expect(!ConsolePage.html.contains("<script>") && !ConsolePage.html.contains("style="))
        for forbidden in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"] {
            #expect(!ConsoleScript.source.contains(forbidden), "\(forbidden)")
        }
    }

    @Test func fleetCountsGroupByBrokerClientTypeAndTypeID() throws {
        let harness = EngineHarness(EngineConfiguration())
        let t0: Int64 = 1_790_000_000_000
        for id in 0..<3 { harness.send(deviceEvent(.connect, id, type: "pump", at: t0 + Int64(id))) }
        harness.send(deviceEvent(.disconnect, 1, type: "pump", at: t0 + 10))
        harness.send(deviceEvent(.connect, 7, type: "valve", at: t0 + 11))
        let groups = harness.engine.fleetCounts
        #expect(groups.map(\.typeID) == ["pump", "valve"])
        #expect(groups[0].counts == [.connected: 2, .disconnected: 1, .unknown: 0])
        #expect(groups[0].broker == "main" && groups[0].clientType == "device")
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(FleetCountsJSON.render(groups).body)) as? [String: Any]
        )
        #expect(json["clients"] as? [String: Int] == ["total": 4, "connected": 3, "disconnected": 1, "unknown": 0])
        #expect((json["groups"] as? [[String: Any]])?.last?["typeId"] as? String == "valve")
    }

    @Test func rulesListTheirKindMatchAndOpenAlerts() throws {
        let offline = OfflineRule(
            name: "pumps_offline",
            match: ClientMatcher([(.typeID, [Glob("pump*"), Glob("valve")])]),
            forDuration: 300_000
        )
        let configuration = EngineConfiguration(offlineRules: [offline])
        let items = RulesJSON.items(configuration)
        #expect(items.map(\.kind) == ["offline"])
        #expect(items[0].match == "type_id in (pump*, valve)")
        let harness = EngineHarness(configuration)
        let t0: Int64 = 1_790_000_000_000
        harness.send(deviceEvent(.connect, 1, at: t0))
        harness.send(deviceEvent(.disconnect, 1, at: t0 + 1))
        harness.send(deviceEvent(.connect, 2, at: t0 + 2))
        harness.send(deviceEvent(.disconnect, 2, at: t0 + 3))
        harness.advance(to: t0 + 300_001 + 1)
        #expect(harness.engine.pendingCountsByRule == ["pumps_offline": harness.engine.pendingAlerts(at: t0).count])
        let body = RulesJSON.render(
            items,
            firing: harness.engine.firingAlerts,
            pending: harness.engine.pendingCountsByRule
        ).bodyText
        #expect(body.contains(#""openAlerts":{"firing":1,"pending":1}"#), "\(body)")
        #expect(body.contains(#""durationSeconds":300,"duration":"5m""#), "\(body)")
    }
}
