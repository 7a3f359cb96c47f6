import Yams

/// Reads a rule unit-test file (`connwatch test-rules`). It does no I/O: the caller reads the file.
public enum RuleTestParser {
    /// Parses `text` (the contents of `file`) into a suite, or throws every problem found as
    /// `file:line:column: message`.
    public static func parse(text: String, file: String) throws(ConfigError) -> RuleTestSuite {
        let reader = NodeReader(file: file)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text, .default, .default, .utf8)
        } catch {
            throw ConfigError(problems: reader.yamlProblems(error))
        }
        guard let root else {
            throw ConfigError(problems: [ConfigProblem(file: file, line: 1, column: 1, message: "the file is empty")])
        }
        let suite = RuleTestFileReader(reader: reader).suite(root)
        if !reader.problems.isEmpty { throw ConfigError(problems: reader.problems) }
        return suite
    }
}

/// Walks a test file's YAML tree, reporting problems to the reader.
struct RuleTestFileReader {
    let reader: NodeReader

    static let topLevelKeys = ["rule_files", "tests"]
    static let testKeys = ["name", "start", "startup_grace", "events", "expect", "notifications"]
    static let eventKeys = [
        "at", "time", "client_id", "action", "broker", "client_type", "org_id", "type_id", "device_id", "app_id",
        "cause", "initiator", "reason_code", "reason", "client_address", "protocol", "sequence", "retained",
    ]
    static let actions: [String: StatusAction] = [
        "connect": .connect, "disconnect": .disconnect, "failed_connect": .failedConnect,
    ]

    func suite(_ root: Node) -> RuleTestSuite {
        var suite = RuleTestSuite(file: reader.file, ruleFiles: [], tests: [])
        guard let entries = reader.mapping(root, "the test file", allowed: Self.topLevelKeys) else { return suite }
        for entry in entries {
            switch entry.key {
            case "rule_files":
                let items = entry.value.scalar != nil ? [entry.value] : reader.sequence(entry.value, "rule_files") ?? []
                for item in items {
                    guard let path = reader.nonEmptyString(item, "each entry of rule_files") else { continue }
                    suite.ruleFiles.append(
                        RuleFileReference(path: path, line: item.mark?.line ?? 0, column: item.mark?.column ?? 0)
                    )
                }
            case "tests":
                for item in reader.sequence(entry.value, "tests") ?? [] {
                    if let test = test(item) { suite.tests.append(test) }
                }
            default: break
            }
        }
        if suite.ruleFiles.isEmpty {
            reader.report(entries.first { $0.key == "rule_files" }?.value ?? root, "the test file names no rule_files")
        }
        if suite.tests.isEmpty && !entries.contains(where: { $0.key == "tests" }) {
            reader.report(root, "the test file has no 'tests'")
        }
        return suite
    }

    private func test(_ node: Node) -> RuleTestCase? {
        guard let entries = reader.mapping(node, "a test", allowed: Self.testKeys) else { return nil }
        var test = RuleTestCase(name: "")
        if let startNode = entries.first(where: { $0.key == "start" })?.value,
            let text = reader.string(startNode, "start")
        {
            if let start = Timestamp.parseISO8601(text) {
                test.start = start
            } else {
                reader.report(
                    startNode,
                    "start '\(text)' is not an ISO-8601 time with a zone (e.g. 2026-01-01T00:00:00Z)"
                )
            }
        }
        var hasName = false
        for entry in entries {
            switch entry.key {
            case "name":
                if let name = reader.nonEmptyString(entry.value, "name") {
                    test.name = name
                    hasName = true
                }
            case "startup_grace": test.startupGrace = reader.duration(entry.value, "startup_grace")
            case "events":
                let events = (reader.sequence(entry.value, "events") ?? []).compactMap { event($0, start: test.start) }
                // Stable: events at the same time keep their file order.
                test.events = events.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }
                    .map(\.element)
            case "expect":
                let expectations = (reader.sequence(entry.value, "expect") ?? []).compactMap {
                    expectation($0, start: test.start)
                }
                test.expectations = expectations.enumerated()
                    .sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
            case "notifications":
                test.notifications = (reader.sequence(entry.value, "notifications") ?? []).compactMap {
                    notification($0, start: test.start)
                }
            default: break
            }
        }
        if !hasName && !entries.contains(where: { $0.key == "name" }) { reader.report(node, "a test needs a name") }
        if test.expectations.isEmpty && test.notifications == nil
            && !entries.contains(where: { $0.key == "expect" })
        {
            reader.report(node, "test '\(test.name)' checks nothing: give it 'expect' or 'notifications'")
        }
        return test
    }

    /// An `at:` offset, required, not negative.
    private func offset(_ entries: [(key: String, keyNode: Node, value: Node)], in node: Node, _ what: String) -> Int64?
    {
        guard let value = entries.first(where: { $0.key == "at" })?.value else {
            reader.report(node, "\(what) needs 'at' (an offset from the test's start, e.g. 90s)")
            return nil
        }
        return reader.duration(value, "at")
    }

    private func event(_ node: Node, start: Int64) -> RuleTestEvent? {
        guard let entries = reader.mapping(node, "an event", allowed: Self.eventKeys) else { return nil }
        // Without a usable `at` the event is still read, to report every problem in it.
        let at = offset(entries, in: node, "an event")
        var clientID: String?
        var action: StatusAction?
        var broker: String?
        var time: Int64?
        var fields: [(key: String, node: Node)] = []
        for entry in entries {
            switch entry.key {
            case "client_id": clientID = reader.nonEmptyString(entry.value, "client_id")
            case "action":
                guard let text = reader.string(entry.value, "action") else { continue }
                action = choice(text, Self.actions, entry.value, "action")
            case "broker": broker = reader.nonEmptyString(entry.value, "broker")
            case "time": time = reader.duration(entry.value, "time")
            case "at": break
            default: fields.append((entry.key, entry.value))
            }
        }
        if clientID == nil && !entries.contains(where: { $0.key == "client_id" }) {
            reader.report(node, "an event needs a client_id")
        }
        if action == nil && !entries.contains(where: { $0.key == "action" }) {
            reader.report(node, "an event needs an action (connect, disconnect, failed_connect)")
        }
        var event = StatusEvent(action: action ?? .connect, clientID: clientID ?? "", time: start + (time ?? at ?? 0))
        WatsonClientID.fill(&event)
        for field in fields { apply(field.key, field.node, to: &event) }
        guard let at, clientID != nil, action != nil else { return nil }
        return RuleTestEvent(at: start + at, broker: broker, event: event)
    }

    private func apply(_ key: String, _ node: Node, to event: inout StatusEvent) {
        switch key {
        case "client_type":
            let types = Dictionary(uniqueKeysWithValues: ClientType.allCases.map { ($0.label, $0) })
            if let text = reader.string(node, key), let type = choice(text, types, node, key) {
                event.clientType = type
            }
        case "org_id": event.orgID = reader.string(node, key) ?? event.orgID
        case "type_id": event.typeID = reader.string(node, key) ?? event.typeID
        case "device_id": event.deviceID = reader.string(node, key) ?? event.deviceID
        case "app_id": event.appID = reader.string(node, key) ?? event.appID
        case "cause":
            let causes = Dictionary(uniqueKeysWithValues: DisconnectCause.allCases.map { ($0.label, $0) })
            if let text = reader.string(node, key) { event.cause = choice(text, causes, node, key) }
        case "initiator":
            let initiators = Dictionary(uniqueKeysWithValues: DisconnectInitiator.allCases.map { ($0.label, $0) })
            if let text = reader.string(node, key) { event.initiator = choice(text, initiators, node, key) }
        case "reason_code": event.reasonCode = reader.int(node, key, range: Int(Int32.min)...Int(Int32.max))
        case "reason": event.reasonText = reader.string(node, key)
        case "client_address": event.clientAddress = reader.string(node, key)
        case "protocol": event.protocolName = reader.string(node, key)
        case "sequence": event.sequence = reader.int(node, key, range: 0...Int.max).map(Int64.init)
        case "retained": event.retained = reader.bool(node, key) ?? false
        default: break
        }
    }

    /// One of a fixed set of words, with a suggestion when it is mistyped.
    private func choice<Value>(_ text: String, _ values: [String: Value], _ node: Node, _ what: String) -> Value? {
        if let value = values[text] { return value }
        let known = values.keys.sorted()
        var message = "\(what) '\(text)' is not one of \(known.joined(separator: ", "))"
        if let suggestion = Suggestion.closest(to: text, among: known) { message += "; did you mean '\(suggestion)'?" }
        reader.report(node, message)
        return nil
    }

    private func expectation(_ node: Node, start: Int64) -> AlertExpectation? {
        guard let entries = reader.mapping(node, "an expectation", allowed: ["at", "alerts"]) else { return nil }
        guard let at = offset(entries, in: node, "an expectation") else { return nil }
        guard let alertsNode = entries.first(where: { $0.key == "alerts" })?.value else {
            reader.report(node, "an expectation needs 'alerts' (the alerts firing then; [] for none)")
            return nil
        }
        var alerts: [ExpectedAlert] = []
        for item in reader.sequence(alertsNode, "alerts") ?? [] {
            guard let itemEntries = reader.mapping(item, "an expected alert", allowed: ["labels", "annotations"]) else {
                continue
            }
            alerts.append(expectedAlert(itemEntries, in: item))
        }
        return AlertExpectation(at: start + at, alerts: alerts)
    }

    private func expectedAlert(_ entries: [(key: String, keyNode: Node, value: Node)], in node: Node) -> ExpectedAlert {
        var alert = ExpectedAlert(labels: LabelSet())
        for entry in entries {
            switch entry.key {
            case "labels": alert.labels = labelSet(entry.value, "labels")
            case "annotations": alert.annotations = labelSet(entry.value, "annotations")
            default: break
            }
        }
        if alert.labels.isEmpty {
            reader.report(node, "an expected alert needs labels (at least alertname or client_id)")
        }
        return alert
    }

    private func notification(_ node: Node, start: Int64) -> ExpectedNotification? {
        let keys = ["at", "state", "labels", "annotations"]
        guard let entries = reader.mapping(node, "a notification", allowed: keys) else { return nil }
        guard let at = offset(entries, in: node, "a notification") else { return nil }
        var state: AlertState?
        if let stateNode = entries.first(where: { $0.key == "state" })?.value {
            if let text = reader.string(stateNode, "state") {
                state = choice(text, ["firing": AlertState.firing, "resolved": .resolved], stateNode, "state")
            }
        } else {
            reader.report(node, "a notification needs a state (firing or resolved)")
        }
        let alert = expectedAlert(entries.filter { $0.key == "labels" || $0.key == "annotations" }, in: node)
        guard let state else { return nil }
        return ExpectedNotification(at: start + at, state: state, alert: alert)
    }

    private func labelSet(_ node: Node, _ what: String) -> LabelSet {
        guard let mapping = node.mapping else {
            reader.report(node, "\(what) must be a mapping (name: value)")
            return LabelSet()
        }
        var labels = LabelSet()
        for (keyNode, valueNode) in mapping {
            guard let name = reader.nonEmptyString(keyNode, "a name in \(what)"),
                let value = reader.string(valueNode, "the value of '\(name)' in \(what)")
            else { continue }
            labels[name] = value
        }
        return labels
    }
}

/// The identity in a Watson IoT client id: `d:org:type:device` (device), `g:org:type:device`
/// (gateway), `a:org:app` (application), `A:org:app` (scalable application).
enum WatsonClientID {
    static func fill(_ event: inout StatusEvent) {
        let parts = event.clientID.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3, parts.allSatisfy({ !$0.isEmpty }) else { return }
        switch (parts[0], parts.count) {
        case ("d", 4), ("g", 4):
            event.clientType = parts[0] == "d" ? .device : .gateway
            event.orgID = parts[1]
            event.typeID = parts[2]
            event.deviceID = parts[3]
        case ("a", 3), ("A", 3):
            event.clientType = parts[0] == "a" ? .application : .scalableApplication
            event.orgID = parts[1]
            event.appID = parts[2]
        default: break
        }
    }
}
