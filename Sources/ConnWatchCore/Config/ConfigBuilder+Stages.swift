import Foundation
import Yams

/// The notifier's stages: grouping defaults, `inhibit:`, `silences:` and `maintenance:`.
extension ConfigBuilder {
    static let groupingKeys = ["group_by", "group_wait", "group_interval", "repeat_interval"]

    /// One of `defaults.group_by/group_wait/group_interval/repeat_interval`.
    func grouping(_ key: String, _ node: Node, into options: inout GroupingOptions) {
        switch key {
        case "group_by":
            guard let names = reader.stringList(node, "group_by") else { return }
            for name in names where name != "..." && !LabelMatcher.isLabelName(name) {
                reader.report(node, "group_by entry '\(name)' is not a label name (or '...' for all labels)")
            }
            if names.contains("...") && names.count > 1 {
                reader.report(node, "group_by '...' groups by all labels and cannot be combined with other names")
            }
            options.groupBy = names
        case "group_wait": options.groupWait = reader.duration(node, "group_wait") ?? options.groupWait
        case "group_interval":
            guard let value = reader.duration(node, "group_interval") else { return }
            if value <= 0 {
                reader.report(node, "group_interval must be longer than 0")
            } else {
                options.groupInterval = value
            }
        case "repeat_interval":
            guard let value = reader.duration(node, "repeat_interval") else { return }
            if value <= 0 {
                reader.report(node, "repeat_interval must be longer than 0")
            } else {
                options.repeatInterval = value
            }
        default: break
        }
    }

    /// A list of matchers in Alertmanager's string form; every bad one is reported where it stands.
    func matchers(_ node: Node, _ what: String) -> [LabelMatcher]? {
        guard let items = reader.sequence(node, what) else { return nil }
        var result: [LabelMatcher] = []
        var failed = false
        for item in items {
            guard let text = reader.string(item, "each entry of \(what)") else {
                failed = true
                continue
            }
            do {
                result.append(try LabelMatcher(parsing: text))
            } catch {
                reader.report(item, "\(what): \(error)")
                failed = true
            }
        }
        return failed ? nil : result
    }

    // MARK: inhibit

    func inhibitRules(_ node: Node) -> [InhibitRule] {
        guard let items = reader.sequence(node, "inhibit") else { return [] }
        let keys = ["name", "source_matchers", "target_matchers", "equal"]
        var rules: [InhibitRule] = []
        for (position, item) in items.enumerated() {
            let what = "inhibit rule \(position + 1)"
            guard let entries = reader.mapping(item, what, allowed: keys) else { continue }
            var rule = InhibitRule(sourceMatchers: [], targetMatchers: [], equal: [])
            var valid = true
            for entry in entries {
                switch entry.key {
                case "name": rule.name = reader.nonEmptyString(entry.value, "\(what): name") ?? ""
                case "source_matchers":
                    if let list = matchers(entry.value, "\(what): source_matchers") {
                        rule.sourceMatchers = list
                    } else {
                        valid = false
                    }
                case "target_matchers":
                    if let list = matchers(entry.value, "\(what): target_matchers") {
                        rule.targetMatchers = list
                    } else {
                        valid = false
                    }
                case "equal":
                    guard let names = reader.stringList(entry.value, "\(what): equal") else {
                        valid = false
                        continue
                    }
                    for name in names where !LabelMatcher.isLabelName(name) {
                        reader.report(entry.value, "\(what): equal names labels only; '\(name)' is not a label name")
                        valid = false
                    }
                    rule.equal = names
                default: break
                }
            }
            for required in ["source_matchers", "target_matchers"]
            where !entries.contains(where: { $0.key == required }) {
                reader.report(item, "\(what) has no '\(required)'")
                valid = false
            }
            if valid { rules.append(rule) }
        }
        return rules
    }

    /// An inhibit rule whose `alertname="…"` names no rule would never match: most likely a typo.
    func checkInhibitAlertNames(_ node: Node, _ config: ConnWatchConfig) {
        let known =
            config.offlineRules.map(\.name) + config.countingRules.map(\.name) + config.fleetRules.map(\.name)
            + ["feed_down"]
        for (position, item) in (node.sequence.map(Array.init) ?? []).enumerated() {
            for side in ["source_matchers", "target_matchers"] {
                guard let list = item.mapping?[side]?.sequence else { continue }
                for entry in list {
                    guard let text = entry.scalar?.string, let matcher = try? LabelMatcher(parsing: text),
                        matcher.name == "alertname", matcher.op == .equal, !known.contains(matcher.value)
                    else { continue }
                    var message = "inhibit rule \(position + 1): \(side) names alertname '\(matcher.value)', "
                    message += "but no rule has that name"
                    if let suggestion = Suggestion.closest(to: matcher.value, among: known) {
                        message += "; did you mean '\(suggestion)'?"
                    }
                    reader.report(entry, message)
                }
            }
        }
    }

    // MARK: silences

    func silences(_ node: Node) -> [Silence] {
        guard let items = reader.sequence(node, "silences") else { return [] }
        let keys = ["id", "matchers", "starts_at", "ends_at", "comment", "created_by"]
        var result: [Silence] = []
        var ids = Set<String>()
        for (position, item) in items.enumerated() {
            let what = "silence \(position + 1)"
            guard let entries = reader.mapping(item, what, allowed: keys) else { continue }
            var silence = Silence(id: "config-\(position + 1)", matchers: [], startsAt: 0, endsAt: 0)
            var valid = true
            var times: [String: (Int64, Node)] = [:]
            for entry in entries {
                switch entry.key {
                case "id": silence.id = reader.nonEmptyString(entry.value, "\(what): id") ?? silence.id
                case "matchers":
                    if let list = matchers(entry.value, "\(what): matchers"), !list.isEmpty {
                        silence.matchers = list
                    } else {
                        if entry.value.sequence?.isEmpty == true {
                            reader.report(
                                entry.value,
                                "\(what): matchers must not be empty (it would silence everything)"
                            )
                        }
                        valid = false
                    }
                case "starts_at", "ends_at":
                    guard let text = reader.string(entry.value, "\(what): \(entry.key)") else {
                        valid = false
                        continue
                    }
                    guard let time = Timestamp.parseISO8601(text) else {
                        reader.report(
                            entry.value,
                            "\(what): \(entry.key) '\(text)' is not a time (use RFC 3339, e.g. 2026-03-29T01:00:00+01:00)"
                        )
                        valid = false
                        continue
                    }
                    times[entry.key] = (time, entry.value)
                case "comment": silence.comment = reader.string(entry.value, "\(what): comment") ?? ""
                case "created_by": silence.createdBy = reader.string(entry.value, "\(what): created_by") ?? ""
                default: break
                }
            }
            for required in ["matchers", "starts_at", "ends_at"] where !entries.contains(where: { $0.key == required })
            {
                reader.report(item, "\(what) has no '\(required)'")
                valid = false
            }
            if let start = times["starts_at"], let end = times["ends_at"] {
                silence.startsAt = start.0
                silence.endsAt = end.0
                if end.0 <= start.0 {
                    reader.report(end.1, "\(what): ends_at must be after starts_at")
                    valid = false
                }
            }
            if !ids.insert(silence.id).inserted {
                reader.report(item, "\(what): id '\(silence.id)' is used twice")
                valid = false
            }
            if valid { result.append(silence) }
        }
        return result
    }

    // MARK: maintenance

    func maintenanceWindows(_ node: Node) -> [MaintenanceWindow] {
        guard let items = reader.sequence(node, "maintenance") else { return [] }
        let keys = ["name", "weekdays", "start", "end", "location", "matchers"]
        var result: [MaintenanceWindow] = []
        for (position, item) in items.enumerated() {
            var what = "maintenance window \(position + 1)"
            guard let entries = reader.mapping(item, what, allowed: keys) else { continue }
            var window = MaintenanceWindow(
                name: "maintenance-\(position + 1)",
                weekdays: [],
                start: 0,
                end: 1440,
                location: TimeZone(identifier: "UTC") ?? TimeZone.current
            )
            var valid = true
            if let nameNode = entries.first(where: { $0.key == "name" })?.value,
                let name = reader.nonEmptyString(nameNode, "\(what): name")
            {
                window.name = name
                what = "maintenance window '\(name)'"
            }
            for entry in entries {
                switch entry.key {
                case "weekdays":
                    if let days = weekdays(entry.value, what) { window.weekdays = days } else { valid = false }
                case "start", "end":
                    guard let text = reader.string(entry.value, "\(what): \(entry.key)") else {
                        valid = false
                        continue
                    }
                    guard let minutes = MaintenanceWindow.minutes(fromTimeOfDay: text) else {
                        reader.report(
                            entry.value,
                            "\(what): \(entry.key) '\(text)' is not a time of day (HH:MM, 00:00 to 24:00)"
                        )
                        valid = false
                        continue
                    }
                    if entry.key == "start" { window.start = minutes } else { window.end = minutes }
                case "location":
                    guard let text = reader.nonEmptyString(entry.value, "\(what): location") else {
                        valid = false
                        continue
                    }
                    guard let zone = TimeZone(identifier: text) else {
                        reader.report(
                            entry.value,
                            "\(what): location '\(text)' is not an IANA time zone (e.g. Europe/Berlin)"
                        )
                        valid = false
                        continue
                    }
                    window.location = zone
                case "matchers":
                    if let list = matchers(entry.value, "\(what): matchers") {
                        window.matchers = list
                    } else {
                        valid = false
                    }
                default: break
                }
            }
            for required in ["start", "end"] where !entries.contains(where: { $0.key == required }) {
                reader.report(item, "\(what) has no '\(required)'")
                valid = false
            }
            if valid && (window.start == window.end || window.start == 1440) {
                reader.report(item, "\(what): start and end must differ and start must be before 24:00")
                valid = false
            }
            if valid { result.append(window) }
        }
        return result
    }

    /// `[monday, wednesday:friday]`: names (or three-letter abbreviations) and inclusive ranges.
    func weekdays(_ node: Node, _ what: String) -> Set<Weekday>? {
        guard let items = reader.stringList(node, "\(what): weekdays") else { return nil }
        var result = Set<Weekday>()
        for item in items {
            let bounds = item.split(separator: ":", omittingEmptySubsequences: false).map {
                Weekday(name: $0.trimmingCharacters(in: .whitespaces))
            }
            guard bounds.count <= 2, let first = bounds.first ?? nil, let last = bounds.last ?? nil else {
                reader.report(node, "\(what): '\(item)' is not a weekday or a range like monday:friday")
                return nil
            }
            // A range may wrap around the week: friday:monday is Friday to Monday.
            var day = first
            result.insert(day)
            while day != last {
                day = Weekday(rawValue: day.rawValue == 7 ? 1 : day.rawValue + 1) ?? .sunday
                result.insert(day)
            }
        }
        return result
    }
}
