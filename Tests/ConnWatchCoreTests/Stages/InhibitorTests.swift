import Testing

@testable import ConnWatchCore

@Suite struct InhibitorTests {
    private func rule() throws -> InhibitRule {
        InhibitRule(
            name: "fleet",
            sourceMatchers: [try matcher(#"alertname="fleet_offline""#)],
            targetMatchers: [try matcher(#"alertname="device_offline""#)],
            equal: ["type_id"]
        )
    }

    @Test func firingSourceSuppressesTargetsWithEqualLabels() throws {
        let inhibitor = Inhibitor(rules: [try rule()])
        let fleet = stageAlert(["alertname": "fleet_offline", "type_id": "pump"])
        let pump = stageAlert(["alertname": "device_offline", "type_id": "pump", "device_id": "p1"])
        let valve = stageAlert(["alertname": "device_offline", "type_id": "valve", "device_id": "v1"])
        #expect(inhibitor.isInhibited(pump, firing: [fleet, pump, valve]))
        #expect(inhibitor.isInhibited(valve, firing: [fleet, pump, valve]) == false)
        #expect(inhibitor.isInhibited(fleet, firing: [fleet, pump, valve]) == false)
        #expect(inhibitor.isInhibited(pump, firing: [pump]) == false)
    }

    @Test func resolvedSourcesDoNotInhibit() throws {
        let inhibitor = Inhibitor(rules: [try rule()])
        let fleet = stageAlert(["alertname": "fleet_offline", "type_id": "pump"], .resolved)
        let pump = stageAlert(["alertname": "device_offline", "type_id": "pump"])
        #expect(inhibitor.isInhibited(pump, firing: [fleet]) == false)
    }

    @Test func missingEqualLabelsCountAsEqual() throws {
        let inhibitor = Inhibitor(rules: [try rule()])
        let fleet = stageAlert(["alertname": "fleet_offline"])
        #expect(inhibitor.isInhibited(stageAlert(["alertname": "device_offline"]), firing: [fleet]))
        #expect(
            inhibitor.isInhibited(stageAlert(["alertname": "device_offline", "type_id": "x"]), firing: [fleet]) == false
        )
    }

    @Test func anAlertNeverInhibitsItself() throws {
        // Every alert with severity critical is both source and target.
        let inhibitor = Inhibitor(
            rules: [
                InhibitRule(
                    sourceMatchers: [try matcher(#"severity="critical""#)],
                    targetMatchers: [try matcher(#"severity=~"critical|warning""#)],
                    equal: ["site"]
                )
            ]
        )
        let critical = stageAlert(["alertname": "a", "severity": "critical", "site": "x"])
        let critical2 = stageAlert(["alertname": "b", "severity": "critical", "site": "x"])
        let warning = stageAlert(["alertname": "c", "severity": "warning", "site": "x"])
        #expect(inhibitor.isInhibited(critical, firing: [critical]) == false)
        // Matching both sides, it is not inhibited by another alert that also matches both.
        #expect(inhibitor.isInhibited(critical, firing: [critical, critical2]) == false)
        #expect(inhibitor.isInhibited(warning, firing: [critical, warning]))
    }

    @Test func noRulesNoInhibition() {
        let alert = stageAlert(["alertname": "a"])
        #expect(Inhibitor().isInhibited(alert, firing: [alert]) == false)
    }
}
