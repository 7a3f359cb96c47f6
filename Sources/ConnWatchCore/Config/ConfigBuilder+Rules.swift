import Yams

extension ConfigBuilder {
    // MARK: rules

    static let ruleKinds = ["offline"]
    static let ruleKeys = ["name", "kind", "for", "match", "severity", "labels", "annotations", "receivers"]
    static let severities = ["critical", "error", "warning", "info"]

    func rules(_ node: Node, receivers: [ReceiverConfig]) -> [OfflineRule] {
        guard let items = reader.sequence(node, "rules") else { return [] }
        var result: [OfflineRule] = []
        for item in items {
            guard let rule = rule(item, receivers: receivers) else { continue }
            if result.contains(where: { $0.name == rule.name }) {
                reader.report(item, "two rules are named '\(rule.name)'")
            }
            result.append(rule)
        }
        return result
    }

    func rule(_ node: Node, receivers: [ReceiverConfig]) -> OfflineRule? {
        guard let entries = reader.mapping(node, "a rule", allowed: Self.ruleKeys) else { return nil }
        var rule = OfflineRule(name: "", forDuration: -1)
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
                }
            case "for":
                rule.forDuration = reader.duration(value, "for") ?? -1
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
        if rule.forDuration < 0 {
            if !entries.contains(where: { $0.key == "for" }) {
                reader.report(node, "rule '\(rule.name)' needs 'for' (how long a client must be offline, e.g. 10m)")
            }
            ok = false
        }
        return ok ? rule : nil
    }

    func matcher(_ node: Node) -> ClientMatcher? {
        let keys = ClientLabel.allCases.map(\.rawValue)
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
