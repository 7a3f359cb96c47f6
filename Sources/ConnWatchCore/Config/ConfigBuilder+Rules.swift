import Yams

extension ConfigBuilder {
    // MARK: rules

    static let ruleKinds = ["offline", "inactive", "disconnects", "failed_connects", "flapping", "fleet_offline"]
    static let commonRuleKeys = ["name", "kind", "match", "severity", "labels", "annotations", "receivers"]
    static let kindKeys: [String: [String]] = [
        "offline": ["for", "keep_firing_for", "unseen_is_offline"],
        "inactive": ["for", "basis"],
        "disconnects": ["count", "window", "initiator", "cause", "reason_codes", "group_by"],
        "failed_connects": ["count", "window", "cause", "reason_codes", "group_by"],
        "flapping": ["transitions", "window", "resolve_below"],
        "fleet_offline": ["for", "group_by", "ratio", "count", "min_clients", "inhibit"],
    ]
    static let ruleKeys =
        commonRuleKeys + [
            "for", "count", "window", "initiator", "cause", "reason_codes", "group_by", "ratio", "min_clients",
            "inhibit", "transitions", "resolve_below", "basis", "keep_firing_for", "unseen_is_offline",
        ]
    static let severities = ["critical", "error", "warning", "info"]

    /// A rule of any kind, as parsed.
    enum ParsedRule {
        case offline(OfflineRule)
        case counting(CountingRule)
        case fleet(FleetRule)

        var name: String {
            switch self {
            case .offline(let rule): return rule.name
            case .counting(let rule): return rule.name
            case .fleet(let rule): return rule.name
            }
        }
    }

    func rules(_ node: Node, receivers: [ReceiverConfig]) -> [ParsedRule] {
        guard let items = reader.sequence(node, "rules") else { return [] }
        var result: [ParsedRule] = []
        // Names are compared as written, so a rule with another problem still counts.
        var seen = Set<String>()
        for item in items {
            if let name = item.mapping?[Node("name")]?.scalar?.string, !name.isEmpty, !seen.insert(name).inserted {
                reader.report(item, "two rules are named '\(name)'")
            }
            guard let rule = rule(item, receivers: receivers) else { continue }
            result.append(rule)
        }
        return result
    }

    func rule(_ node: Node, receivers: [ReceiverConfig]) -> ParsedRule? {
        guard let entries = reader.mapping(node, "a rule", allowed: Self.ruleKeys) else { return nil }
        var rule = OfflineRule(name: "", forDuration: -1)
        var kindName: String?
        var annotationsGiven = false
        var ok = true
        for entry in entries {
            let value = entry.value
            switch entry.key {
            case "name":
                rule.name = reader.nonEmptyString(value, "name") ?? ""
                if rule.name.contains(where: { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) {
                    reader.report(value, "rule name '\(rule.name)' may hold only letters, digits, '_' and '-'")
                }
            case "kind":
                guard let kind = reader.string(value, "kind") else { continue }
                if !Self.ruleKinds.contains(kind) {
                    var message = "unknown rule kind '\(kind)' (known: \(Self.ruleKinds.joined(separator: ", ")))"
                    if let suggestion = Suggestion.closest(to: kind, among: Self.ruleKinds) {
                        message += "; did you mean '\(suggestion)'?"
                    }
                    reader.report(value, message)
                    ok = false
                } else {
                    kindName = kind
                }
            case "for":
                rule.forDuration = reader.duration(value, "for") ?? -1
            case "keep_firing_for":
                rule.keepFiringFor = reader.duration(value, "keep_firing_for") ?? 0
            case "unseen_is_offline":
                rule.unseenIsOffline = reader.bool(value, "unseen_is_offline") ?? false
            case "match":
                rule.match = matcher(value) ?? rule.match
            case "severity":
                guard let severity = reader.string(value, "severity") else { continue }
                if !Self.severities.contains(severity) {
                    reader.report(value, "severity must be one of \(Self.severities.joined(separator: ", "))")
                }
                rule.severity = severity
            case "labels":
                guard let pairs = reader.mapping(value, "labels", allowed: headerNames(value)) else { continue }
                for pair in pairs {
                    guard let text = reader.string(pair.value, "label \(pair.key)") else { continue }
                    if !LabelName.isValid(pair.key) {
                        reader.report(pair.keyNode, "label name '\(pair.key)' must match [a-zA-Z_][a-zA-Z0-9_]*")
                    }
                    rule.labels[pair.key] = text
                }
            case "annotations":
                guard let pairs = reader.mapping(value, "annotations", allowed: headerNames(value)) else { continue }
                var annotations: [(name: String, template: TextTemplate)] = []
                for pair in pairs {
                    guard let text = reader.string(pair.value, "annotation \(pair.key)") else { continue }
                    do {
                        let template = try TextTemplate(text)
                        for name in template.variables where !AlertVariables.names.contains(name) {
                            var message = "annotation '\(pair.key)' uses unknown variable '{{\(name)}}'"
                            if let suggestion = Suggestion.closest(to: name, among: Array(AlertVariables.names)) {
                                message += "; did you mean '{{\(suggestion)}}'?"
                            }
                            reader.report(pair.value, message)
                        }
                        annotations.append((pair.key, template))
                    } catch {
                        reader.report(pair.value, "annotation '\(pair.key)': \(error.message)")
                    }
                }
                rule.annotations = annotations
                annotationsGiven = true
            case "receivers":
                rule.receivers = reader.stringList(value, "receivers") ?? []
                let known = receivers.map(\.name)
                for name in rule.receivers where !known.contains(name) {
                    var message = "receiver '\(name)' is not defined under receivers"
                    if let suggestion = Suggestion.closest(to: name, among: known) {
                        message += "; did you mean '\(suggestion)'?"
                    }
                    reader.report(value, message)
                }
            default: break
            }
        }
        if rule.name.isEmpty {
            reader.report(node, "a rule needs a name")
            return nil
        }
        if !entries.contains(where: { $0.key == "kind" }) {
            reader.report(node, "rule '\(rule.name)' needs a kind (\(Self.ruleKinds.joined(separator: ", ")))")
            ok = false
        }
        guard ok, let kindName else { return nil }
        let allowed = Self.commonRuleKeys + (Self.kindKeys[kindName] ?? [])
        for entry in entries where !allowed.contains(entry.key) {
            reader.report(entry.keyNode, "'\(entry.key)' is not a setting of rule kind \(kindName)")
            ok = false
        }
        if kindName == "inactive" {
            rule.condition = .noConnect
            if !annotationsGiven { rule.annotations = OfflineRule.inactiveAnnotations }
            if let basis = entries.first(where: { $0.key == "basis" }), let text = reader.string(basis.value, "basis") {
                switch text {
                case "connect": rule.condition = .noConnect
                case "activity": rule.condition = .noActivity
                default:
                    reader.report(
                        basis.value,
                        "basis must be connect (the last successful connect) or activity (any event)"
                    )
                    ok = false
                }
            }
        }
        if kindName == "offline" || kindName == "inactive" {
            if rule.forDuration < 0 {
                if !entries.contains(where: { $0.key == "for" }) {
                    reader.report(node, "rule '\(rule.name)' needs 'for' (how long a client must be offline, e.g. 10m)")
                }
                ok = false
            }
            return ok ? .offline(rule) : nil
        }
        if kindName == "fleet_offline" {
            guard let fleet = fleetRule(entries, node, common: rule, annotationsGiven: annotationsGiven) else {
                return nil
            }
            return ok ? .fleet(fleet) : nil
        }
        guard let counting = countingRule(kindName, entries, node, common: rule, annotationsGiven: annotationsGiven)
        else { return nil }
        return ok ? .counting(counting) : nil
    }

    /// The settings of `fleet_offline` rules.
    private func fleetRule(
        _ entries: [(key: String, keyNode: Node, value: Node)],
        _ node: Node,
        common: OfflineRule,
        annotationsGiven: Bool
    ) -> FleetRule? {
        var fleet = FleetRule(
            name: common.name,
            match: common.match,
            severity: entries.contains { $0.key == "severity" } ? common.severity : "critical",
            labels: common.labels,
            receivers: common.receivers
        )
        if annotationsGiven { fleet.annotations = common.annotations }
        fleet.forDuration = max(common.forDuration, 0)
        for entry in entries {
            let value = entry.value
            switch entry.key {
            case "group_by":
                guard let text = reader.string(value, "group_by") else { continue }
                if let label = ClientLabel(rawValue: text) {
                    fleet.groupBy = label
                } else {
                    let known = ClientLabel.allCases.map(\.rawValue)
                    var message = "group_by '\(text)' is not one of \(known.joined(separator: ", "))"
                    if let suggestion = Suggestion.closest(to: text, among: known) {
                        message += "; did you mean '\(suggestion)'?"
                    }
                    reader.report(value, message)
                }
            case "ratio":
                guard let text = reader.string(value, "ratio") else { continue }
                let number = text.hasSuffix("%") ? Double(text.dropLast()).map { $0 / 100 } : Double(text)
                if let number, number > 0, number <= 1 {
                    fleet.ratio = number
                } else {
                    reader.report(
                        value,
                        "ratio must be a fraction above 0 and at most 1 (0.3) or a percentage (30%), not '\(text)'"
                    )
                }
            case "count": fleet.count = reader.int(value, "count", range: 1...10_000_000)
            case "min_clients":
                fleet.minClients = reader.int(value, "min_clients", range: 1...10_000_000) ?? fleet.minClients
            case "inhibit": fleet.inhibit = reader.bool(value, "inhibit") ?? true
            default: break
            }
        }
        if !entries.contains(where: { $0.key == "ratio" || $0.key == "count" }) {
            reader.report(node, "rule '\(common.name)' needs 'ratio' (e.g. 30%) or 'count' (how many clients offline)")
            return nil
        }
        return fleet
    }

    /// The settings of `disconnects` and `failed_connects` rules.
    private func countingRule(
        _ kindName: String,
        _ entries: [(key: String, keyNode: Node, value: Node)],
        _ node: Node,
        common: OfflineRule,
        annotationsGiven: Bool
    ) -> CountingRule? {
        let kind: CountingRule.Kind
        switch kindName {
        case "disconnects": kind = .disconnects
        case "flapping": kind = .flapping
        default: kind = .failedConnects
        }
        var count: Int?
        var resolveBelow: Int?
        var window: Int64?
        var initiators: [DisconnectInitiator] = []
        var causes: [DisconnectCause] = []
        var codes: [Int] = []
        var grouping = CountingRule.Grouping.client
        for entry in entries {
            let value = entry.value
            switch entry.key {
            case "count", "transitions": count = reader.int(value, entry.key, range: 1...10_000)
            case "resolve_below": resolveBelow = reader.int(value, "resolve_below", range: 1...10_000)
            case "window":
                window = reader.duration(value, "window")
                if window == 0 { reader.report(value, "window must be more than 0") }
            case "initiator":
                let known = DisconnectInitiator.allCases.map(\.label)
                for text in reader.stringList(value, "initiator") ?? [] {
                    if let initiator = DisconnectInitiator.allCases.first(where: { $0.label == text }) {
                        initiators.append(initiator)
                    } else {
                        reader.report(value, "initiator '\(text)' is not one of \(known.joined(separator: ", "))")
                    }
                }
            case "cause":
                let known = DisconnectCause.allCases.map(\.label)
                for text in reader.stringList(value, "cause") ?? [] {
                    if let cause = DisconnectCause.allCases.first(where: { $0.label == text }) {
                        causes.append(cause)
                    } else {
                        var message = "cause '\(text)' is not one of \(known.joined(separator: ", "))"
                        if let suggestion = Suggestion.closest(to: text, among: known) {
                            message += "; did you mean '\(suggestion)'?"
                        }
                        reader.report(value, message)
                    }
                }
            case "reason_codes":
                for text in reader.stringList(value, "reason_codes") ?? [] {
                    if let code = Int(text) {
                        codes.append(code)
                    } else {
                        reader.report(value, "reason code '\(text)' is not a number")
                    }
                }
            case "group_by":
                guard let text = reader.string(value, "group_by") else { continue }
                if text == "client" {
                    grouping = .client
                } else if text == "address" {
                    grouping = .address
                } else if let label = ClientLabel(rawValue: text) {
                    grouping = .label(label)
                } else {
                    let known = ["client", "address"] + ClientLabel.allCases.map(\.rawValue)
                    reader.report(value, "group_by '\(text)' is not one of \(known.joined(separator: ", "))")
                }
            default: break
            }
        }
        let countKey = kind == .flapping ? "transitions" : "count"
        if count == nil && !entries.contains(where: { $0.key == countKey }) {
            let what = kind == .flapping ? "how many state changes make it flapping" : "how many events make an alert"
            reader.report(node, "rule '\(common.name)' needs '\(countKey)' (\(what))")
        }
        if let count, let resolveBelow, resolveBelow > count {
            reader.report(
                node,
                "rule '\(common.name)': resolve_below (\(resolveBelow)) must not exceed \(countKey) (\(count))"
            )
        }
        if window == nil && !entries.contains(where: { $0.key == "window" }) {
            reader.report(node, "rule '\(common.name)' needs 'window' (e.g. 15m)")
        }
        guard let count, let window, window > 0 else { return nil }
        return CountingRule(
            name: common.name,
            kind: kind,
            match: common.match,
            count: count,
            resolveBelow: resolveBelow,
            window: window,
            initiators: initiators,
            causes: causes,
            reasonCodes: codes,
            grouping: grouping,
            severity: common.severity,
            labels: common.labels,
            annotations: annotationsGiven ? common.annotations : nil,
            receivers: common.receivers
        )
    }

    func matcher(_ node: Node) -> ClientMatcher? {
        let keys = ClientLabel.allCases.map(\.rawValue)
        if let items = node.sequence {
            // The list form: Alertmanager matchers such as type_id=~"sensor-[0-9]+".
            var matchers: [LabelMatcher] = []
            for item in items {
                guard let text = reader.string(item, "a matcher") else { continue }
                do {
                    let matcher = try LabelMatcher(parsing: text)
                    if !keys.contains(matcher.name) {
                        var message =
                            "matcher '\(text)': '\(matcher.name)' is not a client label (\(keys.joined(separator: ", ")))"
                        if let suggestion = Suggestion.closest(to: matcher.name, among: keys) {
                            message += "; did you mean '\(suggestion)'?"
                        }
                        reader.report(item, message)
                    }
                    matchers.append(matcher)
                } catch {
                    reader.report(item, "matcher '\(text)': \(error)")
                }
            }
            return ClientMatcher(labelMatchers: matchers)
        }
        guard let entries = reader.mapping(node, "match", allowed: keys) else { return nil }
        var conditions: [(label: ClientLabel, globs: [Glob])] = []
        for entry in entries {
            guard let label = ClientLabel(rawValue: entry.key), let patterns = reader.stringList(entry.value, entry.key)
            else { continue }
            if patterns.isEmpty { reader.report(entry.value, "\(entry.key) lists no pattern") }
            if label == .clientType {
                let known = ClientType.allCases.map(\.label)
                for pattern in patterns
                where !pattern.contains("*") && !pattern.contains("?") && !known.contains(pattern) {
                    reader.report(
                        entry.value,
                        "client_type '\(pattern)' is not one of \(known.joined(separator: ", "))"
                    )
                }
            }
            conditions.append((label, patterns.map(Glob.init)))
        }
        return ClientMatcher(conditions)
    }
}

/// Label names as Prometheus and Alertmanager allow them.
enum LabelName {
    static func isValid(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII,
            first == "_" || (first.properties.isAlphabetic)
        else { return false }
        return name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0))
        }
    }
}
