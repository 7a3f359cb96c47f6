/// connwatch's `maintenance:` windows as Alertmanager `time_intervals`, and the routes that apply
/// them with `mute_time_intervals`.
///
/// A window maps exactly onto a named time interval: its weekdays, its times (`end` exclusive in
/// both), its location. One that crosses midnight becomes two entries, the evening on its days and
/// the morning on the days after. What differs is where the muting is decided: connwatch mutes the
/// alerts a window's `matchers` select, Alertmanager mutes routes. So every route gets children, one
/// per combination of windows with matchers (the largest first: the first child that matches is the
/// one whose windows are exactly those the alert's labels meet), each muted by its windows and by
/// the windows without matchers. Alerts a window selects are then grouped apart from the other
/// alerts of their receiver, which connwatch would notify together.
struct AlertmanagerMaintenanceExport {
    /// The most windows with matchers that are applied: their combinations are children of every route.
    static let maximumSelective = 4

    /// The windows, each with its unique interval name.
    let windows: [(name: String, window: MaintenanceWindow)]

    init(_ windows: [MaintenanceWindow]) {
        var names: [String] = []
        var named: [(String, MaintenanceWindow)] = []
        for window in windows {
            var name = window.name
            var suffix = 2
            while names.contains(name) {
                name = "\(window.name)-\(suffix)"
                suffix += 1
            }
            names.append(name)
            named.append((name, window))
        }
        self.windows = named
    }

    /// The windows that mute every alert.
    private var global: [String] { windows.filter { $0.window.matchers.isEmpty }.map(\.name) }
    /// The windows that mute the alerts their matchers select.
    private var selective: [(name: String, window: MaintenanceWindow)] {
        windows.filter { !$0.window.matchers.isEmpty }
    }

    /// Every non-empty combination of the applied selective windows, the largest first.
    private var combinations: [[(name: String, window: MaintenanceWindow)]] {
        let applied = Array(selective.prefix(Self.maximumSelective))
        guard !applied.isEmpty else { return [] }
        let subsets = (1..<(1 << applied.count)).map { mask in
            applied.indices.filter { mask & (1 << $0) != 0 }.map { applied[$0] }
        }
        // Stable: among combinations of one size, the configuration's order.
        return subsets.enumerated().sorted { ($1.element.count, $0.offset) < ($0.element.count, $1.offset) }
            .map(\.element)
    }

    /// The lines a route takes after its own (`receiver`, `matchers`, `continue`): its mutes and
    /// its children, at `indent` (the route's keys' indentation).
    func routeLines(indent: String) -> [String] {
        var lines: [String] = []
        if !global.isEmpty { lines.append("\(indent)mute_time_intervals: \(list(global))") }
        let children = combinations
        guard !children.isEmpty else { return lines }
        lines.append("\(indent)routes:")
        for combination in children {
            let matchers = combination.flatMap(\.window.matchers).map(\.description)
            lines.append("\(indent)  - matchers: \(list(matchers))")
            lines.append("\(indent)    mute_time_intervals: \(list(combination.map(\.name) + global))")
        }
        return lines
    }

    /// The `time_intervals:` section, with a comment on windows that are not applied.
    var sectionLines: [String] {
        guard !windows.isEmpty else { return [] }
        var lines = [
            "# connwatch's maintenance windows. Alertmanager mutes routes, not alerts: the alerts a window's "
                + "matchers select take child routes muted by it, and are grouped apart from the other alerts of "
                + "their receiver.",
            "time_intervals:",
        ]
        for (name, window) in windows {
            lines.append("  - name: \(AlertmanagerConfigExport.quote(name))")
            lines.append("    time_intervals:")
            lines += intervalLines(window)
        }
        let left = selective.dropFirst(Self.maximumSelective).map(\.name)
        if !left.isEmpty {
            lines.append(
                "# not applied to any route: \(left.joined(separator: ", ")); more than \(Self.maximumSelective) "
                    + "windows with matchers would need a child route per combination on every route"
            )
        }
        return lines
    }

    /// One window's entries: one, or two when it crosses midnight.
    private func intervalLines(_ window: MaintenanceWindow) -> [String] {
        var parts: [(days: [Weekday], start: Int, end: Int)] = []
        let days = window.weekdays.sorted { Self.mondayFirst($0) < Self.mondayFirst($1) }
        if window.start < window.end {
            parts.append((days, window.start, window.end))
        } else {
            parts.append((days, window.start, 1440))
            if window.end > 0 {
                let next = window.weekdays.map { Weekday(rawValue: $0.rawValue % 7 + 1) ?? .sunday }
                parts.append((next.sorted { Self.mondayFirst($0) < Self.mondayFirst($1) }, 0, window.end))
            }
        }
        return parts.flatMap { part in
            var lines = [
                "      - times: [{start_time: \"\(Self.clock(part.start))\", end_time: \"\(Self.clock(part.end))\"}]"
            ]
            if !part.days.isEmpty { lines.append("        weekdays: \(list(part.days.map { "\($0)" }))") }
            // Alertmanager's default; Foundation names UTC "GMT".
            if !["UTC", "GMT"].contains(window.location.identifier) {
                lines.append("        location: \(AlertmanagerConfigExport.quote(window.location.identifier))")
            }
            return lines
        }
    }

    /// `HH:MM` of minutes after midnight (1440 is `24:00`).
    static func clock(_ minutes: Int) -> String {
        let hours = minutes / 60
        let rest = minutes % 60
        return "\(hours < 10 ? "0" : "")\(hours):\(rest < 10 ? "0" : "")\(rest)"
    }

    private static func mondayFirst(_ day: Weekday) -> Int { (day.rawValue + 5) % 7 }

    private func list(_ items: [String]) -> String {
        "[\(items.map(AlertmanagerConfigExport.quote).joined(separator: ", "))]"
    }
}
