import Yams

/// Turns the YAML tree into a `ConnWatchConfig`, reporting every problem to the reader.
struct ConfigBuilder {
    let reader: NodeReader
    let isReadable: (String) -> Bool

    /// A path to a file connwatch must be able to read.
    private func readablePath(_ node: Node, _ what: String) -> String? {
        guard let path = reader.nonEmptyString(node, what) else { return nil }
        if !isReadable(path) { reader.report(node, "\(what) '\(path)' cannot be read") }
        return path
    }

    static let topLevelKeys = ["mqtt", "defaults", "receivers", "rules"]

    func build(_ root: Node) -> ConnWatchConfig {
        var config = ConnWatchConfig()
        guard let entries = reader.mapping(root, "the configuration", allowed: Self.topLevelKeys) else { return config }
        var rulesNode: Node?
        for entry in entries {
            switch entry.key {
            case "mqtt": config.brokers = brokers(entry.value)
            case "defaults": config.defaults = defaults(entry.value)
            case "receivers": config.receivers = receivers(entry.value)
            case "rules": rulesNode = entry.value
            default: break
            }
        }
        if let rulesNode { config.offlineRules = rules(rulesNode, receivers: config.receivers) }
        if !entries.contains(where: { $0.key == "mqtt" }) {
            reader.report(root, "the configuration has no 'mqtt' section: connwatch needs at least one broker")
        }
        checkReceiverNames(config.defaults.receivers, at: entries.first { $0.key == "defaults" }?.value, config)
        if config.defaults.receivers.isEmpty {
            for rule in config.offlineRules where rule.receivers.isEmpty {
                reader.report(
                    entries.first { $0.key == "rules" }?.value,
                    "rule '\(rule.name)' names no receivers and defaults.receivers is empty: its alerts would go nowhere"
                )
            }
        }
        return config
    }

    // MARK: mqtt

    static let brokerKeys = [
        "name", "url", "client_id", "clean_session", "protocol", "keepalive", "username", "password_file", "tls",
        "subscriptions",
    ]

    private func brokers(_ node: Node) -> [BrokerConfig] {
        let items: [Node]
        if node.mapping != nil {
            items = [node]
        } else if let list = reader.sequence(node, "mqtt") {
            items = list
        } else {
            return []
        }
        if items.isEmpty { reader.report(node, "mqtt lists no broker") }
        var result: [BrokerConfig] = []
        for (position, item) in items.enumerated() {
            guard let broker = broker(item, position: position) else { continue }
            if result.contains(where: { $0.name == broker.name }) {
                reader.report(item, "two brokers are named '\(broker.name)'; give each a unique name")
            }
            result.append(broker)
        }
        return result
    }

    private func broker(_ node: Node, position: Int) -> BrokerConfig? {
        guard let entries = reader.mapping(node, "a broker", allowed: Self.brokerKeys) else { return nil }
        var broker = BrokerConfig(
            name: position == 0 ? "default" : "broker\(position + 1)",
            host: "",
            port: 0,
            subscriptions: []
        )
        var hasURL = false
        var tlsNode: Node?
        for entry in entries {
            let value = entry.value
            switch entry.key {
            case "name": broker.name = reader.nonEmptyString(value, "name") ?? broker.name
            case "url":
                guard let text = reader.string(value, "url") else { continue }
                hasURL = true
                switch BrokerURL.parse(text) {
                case .success(let url):
                    broker.host = url.host
                    broker.port = url.port
                    if url.tls { broker.tls = broker.tls ?? BrokerTLSConfig() }
                case .failure(let message):
                    reader.report(value, message)
                }
            case "client_id": broker.clientID = reader.nonEmptyString(value, "client_id")
            case "clean_session": broker.cleanSession = reader.bool(value, "clean_session") ?? false
            case "protocol":
                switch reader.string(value, "protocol") {
                case "3.1.1", "311", "4": broker.protocolVersion = 4
                case "5", "5.0": broker.protocolVersion = 5
                case nil: break
                case let other?: reader.report(value, "protocol must be 3.1.1 or 5, not '\(other)'")
                }
            case "keepalive":
                if let keepAlive = reader.duration(value, "keepalive") {
                    if keepAlive < 5000 || keepAlive > 65_535_000 {
                        reader.report(value, "keepalive must be between 5s and 18h")
                    }
                    broker.keepAlive = keepAlive
                }
            case "username": broker.username = reader.string(value, "username")
            case "password_file": broker.passwordFile = readablePath(value, "password_file")
            case "tls": tlsNode = value
            case "subscriptions": broker.subscriptions = subscriptions(value)
            default: break
            }
        }
        if !hasURL { reader.report(node, "broker '\(broker.name)' has no url (e.g. mqtt://127.0.0.1:1883)") }
        if let tlsNode {
            if broker.tls == nil {
                reader.report(tlsNode, "tls settings need an mqtts:// url")
            } else {
                broker.tls = tls(tlsNode)
            }
        }
        if !entries.contains(where: { $0.key == "subscriptions" }) {
            reader.report(node, "broker '\(broker.name)' has no subscriptions: it would watch nothing")
        }
        if broker.clientID == nil && !broker.cleanSession {
            broker.cleanSession = true
        }
        return broker
    }

    private func tls(_ node: Node) -> BrokerTLSConfig {
        var tls = BrokerTLSConfig()
        guard let entries = reader.mapping(node, "tls", allowed: ["ca_file", "ca_path", "cert_file", "key_file"])
        else { return tls }
        for entry in entries {
            let text =
                entry.key == "ca_path"
                ? reader.nonEmptyString(entry.value, entry.key) : readablePath(entry.value, entry.key)
            switch entry.key {
            case "ca_file": tls.caFile = text
            case "ca_path": tls.caPath = text
            case "cert_file": tls.certFile = text
            case "key_file": tls.keyFile = text
            default: break
            }
        }
        if (tls.certFile == nil) != (tls.keyFile == nil) {
            reader.report(node, "tls needs both cert_file and key_file, or neither")
        }
        return tls
    }

    private func subscriptions(_ node: Node) -> [SubscriptionConfig] {
        guard let items = reader.sequence(node, "subscriptions") else { return [] }
        if items.isEmpty { reader.report(node, "subscriptions is empty: the broker would watch nothing") }
        var result: [SubscriptionConfig] = []
        for item in items {
            guard let entries = reader.mapping(item, "a subscription", allowed: ["topic", "format", "qos"]) else {
                continue
            }
            var topic: String?
            var format: FeedFormat?
            var qos = 1
            for entry in entries {
                switch entry.key {
                case "topic":
                    topic = reader.nonEmptyString(entry.value, "topic")
                    if let filter = topic, let message = TopicFilter.problem(filter) {
                        reader.report(entry.value, message)
                    }
                case "format":
                    guard let text = reader.string(entry.value, "format") else { continue }
                    format = FeedFormat(rawValue: text)
                    if format == nil {
                        let known = FeedFormat.allCases.map(\.rawValue)
                        var message = "unknown format '\(text)' (known: \(known.joined(separator: ", ")))"
                        if let suggestion = Suggestion.closest(to: text, among: known) {
                            message += "; did you mean '\(suggestion)'?"
                        }
                        reader.report(entry.value, message)
                    }
                case "qos": qos = reader.int(entry.value, "qos", range: 0...2) ?? qos
                default: break
                }
            }
            guard entries.contains(where: { $0.key == "topic" }), entries.contains(where: { $0.key == "format" })
            else {
                reader.report(item, "a subscription needs both topic and format")
                continue
            }
            if let topic, let format { result.append(SubscriptionConfig(topic: topic, format: format, qos: qos)) }
        }
        return result
    }

    // MARK: defaults

    private func defaults(_ node: Node) -> DefaultsConfig {
        var defaults = DefaultsConfig()
        let keys = ["startup_grace", "receivers", "connection_log_size"]
        guard let entries = reader.mapping(node, "defaults", allowed: keys) else { return defaults }
        for entry in entries {
            switch entry.key {
            case "startup_grace": defaults.startupGrace = reader.duration(entry.value, "startup_grace") ?? 0
            case "receivers": defaults.receivers = reader.stringList(entry.value, "receivers") ?? []
            case "connection_log_size":
                defaults.connectionLogSize =
                    reader.int(entry.value, "connection_log_size", range: 1...10_000) ?? defaults.connectionLogSize
            default: break
            }
        }
        return defaults
    }

    // MARK: receivers

    static let receiverKeys = [
        "name", "type", "url", "url_file", "timeout", "send_resolved", "headers", "max_retry_duration",
    ]

    private func receivers(_ node: Node) -> [ReceiverConfig] {
        guard let items = reader.sequence(node, "receivers") else { return [] }
        var result: [ReceiverConfig] = []
        for item in items {
            guard let entries = reader.mapping(item, "a receiver", allowed: Self.receiverKeys) else { continue }
            var receiver = ReceiverConfig(name: "")
            for entry in entries {
                let value = entry.value
                switch entry.key {
                case "name": receiver.name = reader.nonEmptyString(value, "name") ?? ""
                case "type":
                    guard let text = reader.string(value, "type") else { continue }
                    if let type = ReceiverType(rawValue: text) {
                        receiver.type = type
                    } else {
                        reader.report(
                            value,
                            "unknown receiver type '\(text)' (known: \(ReceiverType.allCases.map(\.rawValue).joined(separator: ", ")))"
                        )
                    }
                case "url":
                    guard let text = reader.string(value, "url") else { continue }
                    if !(text.hasPrefix("http://") || text.hasPrefix("https://")) || text.count < 10 {
                        reader.report(value, "url must be an http:// or https:// address")
                    }
                    receiver.url = text
                case "url_file": receiver.urlFile = readablePath(value, "url_file")
                case "timeout":
                    receiver.timeout = reader.duration(value, "timeout") ?? receiver.timeout
                    if receiver.timeout <= 0 { reader.report(value, "timeout must be more than 0") }
                case "send_resolved": receiver.sendResolved = reader.bool(value, "send_resolved") ?? true
                case "max_retry_duration":
                    receiver.maxRetryDuration =
                        reader.duration(value, "max_retry_duration") ?? receiver.maxRetryDuration
                case "headers":
                    guard let pairs = reader.mapping(value, "headers", allowed: headerNames(value)) else { continue }
                    for pair in pairs {
                        guard let text = reader.string(pair.value, "header \(pair.key)") else { continue }
                        if pair.key.contains(where: { $0 == ":" || $0 == " " || $0 == "\n" }) || text.contains("\n") {
                            reader.report(pair.keyNode, "header '\(pair.key)' is not a valid HTTP header")
                        }
                        receiver.headers.append(HTTPHeaderConfig(name: pair.key, value: text))
                    }
                default: break
                }
            }
            if receiver.name.isEmpty {
                reader.report(item, "a receiver needs a name")
                continue
            }
            if (receiver.url == nil) == (receiver.urlFile == nil) {
                reader.report(item, "receiver '\(receiver.name)' needs exactly one of url and url_file")
            }
            if result.contains(where: { $0.name == receiver.name }) {
                reader.report(item, "two receivers are named '\(receiver.name)'")
            }
            result.append(receiver)
        }
        return result
    }

    private func headerNames(_ node: Node) -> [String] {
        node.mapping?.keys.compactMap { $0.scalar?.string } ?? []
    }

    private func checkReceiverNames(_ names: [String], at node: Node?, _ config: ConnWatchConfig) {
        let known = config.receivers.map(\.name)
        for name in names where !known.contains(name) {
            var message = "receiver '\(name)' is not defined under receivers"
            if let suggestion = Suggestion.closest(to: name, among: known) {
                message += "; did you mean '\(suggestion)'?"
            }
            reader.report(node, message)
        }
    }

    // MARK: rules

    static let ruleKinds = ["offline"]
    static let ruleKeys = ["name", "kind", "for", "match", "severity", "labels", "annotations", "receivers"]
    static let severities = ["critical", "error", "warning", "info"]

    private func rules(_ node: Node, receivers: [ReceiverConfig]) -> [OfflineRule] {
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

    private func rule(_ node: Node, receivers: [ReceiverConfig]) -> OfflineRule? {
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

    private func matcher(_ node: Node) -> ClientMatcher? {
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

/// Checks an MQTT topic filter's syntax.
public enum TopicFilter {
    static func problem(_ filter: String) -> String? {
        let levels = filter.split(separator: "/", omittingEmptySubsequences: false)
        for (position, level) in levels.enumerated() {
            if level.contains("#") && (level != "#" || position != levels.count - 1) {
                return "topic filter '\(filter)': '#' must be a whole level and the last one"
            }
            if level.contains("+") && level != "+" {
                return "topic filter '\(filter)': '+' must be a whole level"
            }
        }
        return nil
    }
}

/// `mqtt://host:port` and `mqtts://host:port`.
struct BrokerURL {
    var host: String
    var port: Int
    var tls: Bool

    enum Parsed {
        case success(BrokerURL)
        case failure(String)
    }

    static func parse(_ text: String) -> Parsed {
        let tls: Bool
        var rest: Substring
        if text.hasPrefix("mqtt://") {
            tls = false
            rest = text.dropFirst(7)
        } else if text.hasPrefix("mqtts://") {
            tls = true
            rest = text.dropFirst(8)
        } else {
            return .failure("url '\(text)' must start with mqtt:// or mqtts://")
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        var host = rest
        var port = tls ? 8883 : 1883
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return .failure("url '\(text)': unclosed '['") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let value = Int(after.dropFirst()), (1...65535).contains(value) else {
                    return .failure("url '\(text)' has a bad port")
                }
                port = value
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            guard let value = Int(rest[rest.index(after: colon)...]), (1...65535).contains(value) else {
                return .failure("url '\(text)' has a bad port (1-65535)")
            }
            port = value
        }
        if host.isEmpty || host.contains("/") || host.contains("@") {
            return .failure("url '\(text)' needs a host name, e.g. mqtt://broker.example:1883")
        }
        return .success(BrokerURL(host: String(host), port: port, tls: tls))
    }
}

extension TopicFilter {
    /// Whether `topic` matches the MQTT topic filter `filter` (`+` one level, `#` the rest).
    /// Topics starting with `$` match only filters that name the `$` level explicitly.
    public static func matches(_ filter: String, _ topic: String) -> Bool {
        let filterLevels = filter.split(separator: "/", omittingEmptySubsequences: false)
        let topicLevels = topic.split(separator: "/", omittingEmptySubsequences: false)
        if topic.hasPrefix("$") && (filter.hasPrefix("+") || filter.hasPrefix("#")) { return false }
        for (position, level) in filterLevels.enumerated() {
            if level == "#" { return true }
            guard position < topicLevels.count else { return false }
            if level != "+" && level != topicLevels[position] { return false }
        }
        return filterLevels.count == topicLevels.count
    }
}
