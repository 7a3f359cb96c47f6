import Foundation
import Testing

@testable import ConnWatchCore

private func zone(_ identifier: String) throws -> TimeZone { try #require(TimeZone(identifier: identifier)) }

/// How many whole minutes in [from, to) the window is active.
private func activeMinutes(_ window: MaintenanceWindow, from: Int64, to: Int64) -> Int {
    stride(from: from, to: to, by: 60_000).filter { window.isActive(at: $0) }.count
}

@Suite struct MaintenanceWindowTests {
    @Test func tzdataIsInstalled() throws {
        let berlin = try zone("Europe/Berlin")
        // CET in January, CEST in July: only real zone data knows this.
        #expect(berlin.secondsFromGMT(for: Date(timeIntervalSince1970: 1_767_225_600)) == 3600)
        #expect(berlin.secondsFromGMT(for: Date(timeIntervalSince1970: 1_783_000_000)) == 7200)
    }

    @Test func weekdaysAndTimesOfDay() throws {
        let window = MaintenanceWindow(
            name: "tue",
            weekdays: [.tuesday],
            start: 9 * 60,
            end: 10 * 60 + 30,
            location: try zone("Europe/Berlin")
        )
        // 2026-01-06 is a Tuesday; Berlin is UTC+1 in January.
        #expect(window.isActive(at: ms("2026-01-06T07:59:59Z")) == false)
        #expect(window.isActive(at: ms("2026-01-06T08:00:00Z")))
        #expect(window.isActive(at: ms("2026-01-06T09:29:59Z")))
        #expect(window.isActive(at: ms("2026-01-06T09:30:00Z")) == false)
        #expect(window.isActive(at: ms("2026-01-07T08:30:00Z")) == false)
        #expect(activeMinutes(window, from: ms("2026-01-05T00:00:00Z"), to: ms("2026-01-12T00:00:00Z")) == 90)
    }

    @Test func crossesMidnight() throws {
        let window = MaintenanceWindow(
            name: "friday night",
            weekdays: [.friday],
            start: 22 * 60,
            end: 6 * 60,
            location: try zone("UTC")
        )
        // 2026-01-09 is a Friday.
        #expect(window.isActive(at: ms("2026-01-09T21:59:59Z")) == false)
        #expect(window.isActive(at: ms("2026-01-09T22:00:00Z")))
        #expect(window.isActive(at: ms("2026-01-10T05:59:59Z")))
        #expect(window.isActive(at: ms("2026-01-10T06:00:00Z")) == false)
        #expect(window.isActive(at: ms("2026-01-10T22:30:00Z")) == false)
        #expect(window.isActive(at: ms("2026-01-09T03:00:00Z")) == false)
        #expect(activeMinutes(window, from: ms("2026-01-05T00:00:00Z"), to: ms("2026-01-12T00:00:00Z")) == 8 * 60)
    }

    @Test func berlinSpringForward() throws {
        let berlin = try zone("Europe/Berlin")
        // 2026-03-29 02:00 CET becomes 03:00 CEST (01:00Z).
        let wide = MaintenanceWindow(name: "w", weekdays: [.sunday], start: 60, end: 240, location: berlin)
        #expect(wide.isActive(at: ms("2026-03-28T23:59:59Z")) == false)
        #expect(wide.isActive(at: ms("2026-03-29T00:00:00Z")))
        #expect(wide.isActive(at: ms("2026-03-29T01:59:59Z")))
        #expect(wide.isActive(at: ms("2026-03-29T02:00:00Z")) == false)
        #expect(activeMinutes(wide, from: ms("2026-03-28T12:00:00Z"), to: ms("2026-03-29T12:00:00Z")) == 120)
        let skipped = MaintenanceWindow(name: "s", weekdays: [.sunday], start: 120, end: 180, location: berlin)
        #expect(activeMinutes(skipped, from: ms("2026-03-28T12:00:00Z"), to: ms("2026-03-29T12:00:00Z")) == 0)
        let overnight = MaintenanceWindow(
            name: "o",
            weekdays: [.saturday],
            start: 22 * 60,
            end: 6 * 60,
            location: berlin
        )
        // 22:00 CET (21:00Z) to 06:00 CEST (04:00Z): seven hours.
        #expect(activeMinutes(overnight, from: ms("2026-03-28T12:00:00Z"), to: ms("2026-03-29T12:00:00Z")) == 420)
    }

    @Test func berlinFallBack() throws {
        let berlin = try zone("Europe/Berlin")
        // 2026-10-25 03:00 CEST becomes 02:00 CET (01:00Z): 02:00-03:00 happens twice.
        let repeated = MaintenanceWindow(name: "r", weekdays: [.sunday], start: 120, end: 180, location: berlin)
        #expect(repeated.isActive(at: ms("2026-10-24T23:59:59Z")) == false)
        #expect(repeated.isActive(at: ms("2026-10-25T00:00:00Z")))
        #expect(repeated.isActive(at: ms("2026-10-25T01:59:59Z")))
        #expect(repeated.isActive(at: ms("2026-10-25T02:00:00Z")) == false)
        #expect(activeMinutes(repeated, from: ms("2026-10-24T12:00:00Z"), to: ms("2026-10-25T12:00:00Z")) == 120)
    }

    @Test func newYorkSpringAndFall() throws {
        let newYork = try zone("America/New_York")
        // 2026-03-08 02:00 EST becomes 03:00 EDT (07:00Z): 01:00-04:00 lasts two hours.
        let spring = MaintenanceWindow(name: "s", weekdays: [.sunday], start: 60, end: 240, location: newYork)
        #expect(spring.isActive(at: ms("2026-03-08T05:59:59Z")) == false)
        #expect(spring.isActive(at: ms("2026-03-08T06:00:00Z")))
        #expect(spring.isActive(at: ms("2026-03-08T07:59:59Z")))
        #expect(spring.isActive(at: ms("2026-03-08T08:00:00Z")) == false)
        #expect(activeMinutes(spring, from: ms("2026-03-07T12:00:00Z"), to: ms("2026-03-08T12:00:00Z")) == 120)
        // 2026-11-01 02:00 EDT becomes 01:00 EST (06:00Z): 01:00-02:00 lasts two hours.
        let fall = MaintenanceWindow(name: "f", weekdays: [.sunday], start: 60, end: 120, location: newYork)
        #expect(fall.isActive(at: ms("2026-11-01T04:59:59Z")) == false)
        #expect(fall.isActive(at: ms("2026-11-01T05:00:00Z")))
        #expect(fall.isActive(at: ms("2026-11-01T06:59:59Z")))
        #expect(fall.isActive(at: ms("2026-11-01T07:00:00Z")) == false)
        #expect(activeMinutes(fall, from: ms("2026-10-31T12:00:00Z"), to: ms("2026-11-01T12:00:00Z")) == 120)
    }

    @Test func matchersScopeTheWindow() throws {
        let window = MaintenanceWindow(
            name: "gw",
            weekdays: [],
            start: 0,
            end: 1440,
            location: try zone("UTC"),
            matchers: [try matcher(#"type_id="gw""#)]
        )
        #expect(window.mutes(LabelSet(["type_id": "gw"]), at: 0))
        #expect(window.mutes(LabelSet(["type_id": "sensor"]), at: 0) == false)
    }

    @Test func parsesTimesOfDayAndWeekdays() {
        #expect(MaintenanceWindow.minutes(fromTimeOfDay: "00:00") == 0)
        #expect(MaintenanceWindow.minutes(fromTimeOfDay: "22:30") == 1350)
        #expect(MaintenanceWindow.minutes(fromTimeOfDay: "24:00") == 1440)
        #expect(MaintenanceWindow.minutes(fromTimeOfDay: "24:01") == nil)
        #expect(MaintenanceWindow.minutes(fromTimeOfDay: "9:00") == nil)
        #expect(MaintenanceWindow.minutes(fromTimeOfDay: "12:60") == nil)
        #expect(Weekday(name: "Mon") == .monday)
        #expect(Weekday(name: "SUNDAY") == .sunday)
        #expect(Weekday(name: "mond") == nil)
        #expect(Weekday.sunday.previous == .saturday)
    }
}
