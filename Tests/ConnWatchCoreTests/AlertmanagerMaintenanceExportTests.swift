import Foundation
import Testing

@testable import ConnWatchCore

private func window(
    _ name: String,
    start: Int = 0,
    end: Int = 1440,
    weekdays: Set<Weekday> = [],
    matcher: String? = nil
) throws -> MaintenanceWindow {
    MaintenanceWindow(
        name: name,
        weekdays: weekdays,
        start: start,
        end: end,
        location: try #require(TimeZone(identifier: "UTC")),
        matchers: try matcher.map { [try LabelMatcher(parsing: $0)] } ?? []
    )
}

/// Maintenance windows as Alertmanager time intervals and the child routes that mute what each
/// window's matchers select.
@Suite struct AlertmanagerMaintenanceExportTests {
    @Test func everyCombinationOfTheFirstFourSelectiveWindowsIsAChildRouteLargestFirst() throws {
        let windows = try (1...5).map { try window("w\($0)", matcher: "team=\"t\($0)\"") } + [try window("all")]
        let export = AlertmanagerMaintenanceExport(windows)
        let lines = export.routeLines(indent: "")
        #expect(lines.first == "mute_time_intervals: [\"all\"]")
        let children = lines.filter { $0.hasPrefix("  - matchers:") }
        #expect(children.count == 15)
        #expect(
            children.first
                == #"  - matchers: ["team=\"t1\"", "team=\"t2\"", "team=\"t3\"", "team=\"t4\""]"#
        )
        #expect(children.last == #"  - matchers: ["team=\"t4\""]"#)
        #expect(lines.contains(#"    mute_time_intervals: ["w1", "w2", "w3", "w4", "all"]"#))
        #expect(!lines.contains { $0.contains("w5") }, "the fifth is not applied")
        #expect(export.sectionLines.contains { $0.hasPrefix("# not applied to any route: w5;") })
        #expect(export.sectionLines.contains("  - name: \"w5\""), "but exported as a time interval")
    }

    @Test func namesAreMadeUniqueAndAWindowEndingAtMidnightIsOnePart() throws {
        let export = AlertmanagerMaintenanceExport([
            try window("late", start: 22 * 60, end: 0, weekdays: [.saturday]),
            try window("late", start: 60, end: 120),
        ])
        #expect(export.windows.map(\.name) == ["late", "late-2"])
        let section = export.sectionLines.filter { !$0.hasPrefix("#") }
        #expect(
            section == [
                "time_intervals:",
                "  - name: \"late\"",
                "    time_intervals:",
                "      - times: [{start_time: \"22:00\", end_time: \"24:00\"}]",
                "        weekdays: [\"saturday\"]",
                "  - name: \"late-2\"",
                "    time_intervals:",
                "      - times: [{start_time: \"01:00\", end_time: \"02:00\"}]",
            ]
        )
        #expect(export.routeLines(indent: "  ") == ["  mute_time_intervals: [\"late\", \"late-2\"]"])
    }

    @Test func aWindowAcrossMidnightOnSaturdayEndsOnSunday() throws {
        let export = AlertmanagerMaintenanceExport([try window("n", start: 23 * 60, end: 30, weekdays: [.saturday])])
        #expect(export.sectionLines.contains("        weekdays: [\"sunday\"]"), "\(export.sectionLines)")
        #expect(export.sectionLines.contains("      - times: [{start_time: \"00:00\", end_time: \"00:30\"}]"))
    }
}
