import Foundation

/// A day of the week, numbered as Foundation's `Calendar` numbers them (Sunday = 1).
public enum Weekday: Int, Sendable, Hashable, CaseIterable, Comparable {
    case sunday = 1
    case monday, tuesday, wednesday, thursday, friday, saturday

    /// Parses `monday`, `Mon`, `MONDAY`.
    public init?(name: String) {
        let lowered = name.lowercased()
        guard lowered.count >= 3,
            let day = Self.allCases.first(where: {
                "\($0)".hasPrefix(lowered) && (lowered.count == 3 || "\($0)" == lowered)
            })
        else { return nil }
        self = day
    }

    /// The day before.
    public var previous: Weekday { Weekday(rawValue: rawValue == 1 ? 7 : rawValue - 1) ?? .saturday }

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A recurring maintenance window: on the given weekdays, from `start` to `end` (local wall-clock
/// time in `location`, an IANA time zone). While it is active, matching alerts are not notified.
///
/// `start` is inclusive, `end` exclusive, both in minutes after local midnight (`end` may be 1440,
/// "24:00"). If `end` is before `start` the window crosses midnight: it starts on one of the
/// `weekdays` and ends the next morning. Wall-clock times that a daylight-saving change skips never
/// occur, and those it repeats occur twice.
public struct MaintenanceWindow: Sendable, Equatable {
    /// For logs and the API.
    public var name: String
    /// The days the window starts on; empty means every day.
    public var weekdays: Set<Weekday>
    /// Minutes after local midnight, inclusive.
    public var start: Int
    /// Minutes after local midnight, exclusive; 1440 is midnight at the end of the day.
    public var end: Int
    /// The time zone the times are in.
    public var location: TimeZone
    /// Which alerts the window mutes; empty mutes every alert.
    public var matchers: [LabelMatcher]

    public init(
        name: String,
        weekdays: Set<Weekday>,
        start: Int,
        end: Int,
        location: TimeZone,
        matchers: [LabelMatcher] = []
    ) {
        self.name = name
        self.weekdays = weekdays
        self.start = start
        self.end = end
        self.location = location
        self.matchers = matchers
    }

    /// Whether the window is open at `now` (milliseconds since the epoch).
    public func isActive(at now: Int64) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = location
        let date = Date(timeIntervalSince1970: Double(now) / 1000)
        let parts = calendar.dateComponents([.weekday, .hour, .minute], from: date)
        guard let weekdayNumber = parts.weekday, let day = Weekday(rawValue: weekdayNumber),
            let hour = parts.hour, let minute = parts.minute
        else { return false }
        let minuteOfDay = hour * 60 + minute
        func startsOn(_ weekday: Weekday) -> Bool { weekdays.isEmpty || weekdays.contains(weekday) }
        if start < end {
            return startsOn(day) && start <= minuteOfDay && minuteOfDay < end
        }
        // Crosses midnight: the evening part belongs to today, the morning part to yesterday.
        return (startsOn(day) && minuteOfDay >= start) || (startsOn(day.previous) && minuteOfDay < end)
    }

    /// Whether the window is open at `now` and applies to `labels`.
    public func mutes(_ labels: LabelSet, at now: Int64) -> Bool {
        matchers.allSatisfy { $0.matches(labels) } && isActive(at: now)
    }

    /// Parses `HH:MM` (00:00 to 24:00) into minutes after midnight.
    public static func minutes(fromTimeOfDay text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
            let hour = Int(parts[0]), let minute = Int(parts[1]),
            (0...24).contains(hour), (0...59).contains(minute)
        else { return nil }
        let total = hour * 60 + minute
        return total <= 1440 ? total : nil
    }
}
