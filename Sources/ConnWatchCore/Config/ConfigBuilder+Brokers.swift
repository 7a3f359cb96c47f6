import Yams

extension ConfigBuilder {
    // MARK: mqtt

    static let brokerKeys = [
        "name", "url", "client_id", "clean_session", "protocol", "keepalive", "username", "password_file", "tls",
        "subscriptions",
    ]

    func brokers(_ node: Node) -> [BrokerConfig] {
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

    func broker(_ node: Node, position: Int) -> BrokerConfig? {
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
        if broker.passwordFile != nil && broker.username == nil,
            let entry = entries.first(where: { $0.key == "password_file" })
        {
            reader.report(entry.keyNode, "password_file needs a username (MQTT sends a password only with a user name)")
        }
        if broker.clientID == nil && !broker.cleanSession {
            broker.cleanSession = true
        }
        return broker
    }

    func tls(_ node: Node) -> BrokerTLSConfig {
        var tls = BrokerTLSConfig()
        guard let entries = reader.mapping(node, "tls", allowed: ["ca_file", "ca_path", "cert_file", "key_file"])
        else { return tls }
        var usable: [String: Node] = [:]
        for entry in entries {
            guard let text = reader.nonEmptyString(entry.value, entry.key) else { continue }
            switch entry.key {
            case "ca_file": tls.caFile = text
            case "ca_path": tls.caPath = text
            case "cert_file": tls.certFile = text
            case "key_file": tls.keyFile = text
            default: break
            }
            // The inspector says why a file cannot be used (missing, a directory, unreadable, not PEM …).
            if let problem = inspect(Self.configuredFile(entry.key, text)) {
                reader.report(entry.value, "\(entry.key) '\(text)': \(problem)")
            } else if entry.key != "ca_path" && !isReadable(text) {
                reader.report(entry.value, "\(entry.key) '\(text)' cannot be read")
            } else {
                usable[entry.key] = entry.value
            }
        }
        if (tls.certFile == nil) != (tls.keyFile == nil) {
            reader.report(node, "tls needs both cert_file and key_file, or neither")
        }
        if let certificate = tls.certFile, let key = tls.keyFile, usable["cert_file"] != nil,
            let keyNode = usable["key_file"],
            let problem = inspect(.keyPair(certificate: certificate, key: key))
        {
            reader.report(keyNode, "key_file '\(key)': \(problem)")
        }
        return tls
    }

    static func configuredFile(_ key: String, _ path: String) -> ConfiguredFile {
        switch key {
        case "ca_path": .caDirectory(path)
        case "cert_file": .certificate(path)
        case "key_file": .privateKey(path)
        default: .caFile(path)
        }
    }

    static let subscriptionKeys = [
        "topic", "format", "qos", "client_id_level", "topic_pattern", "online", "offline", "clean_offline",
        "json_field",
    ]
    static let lwtKeys: Set<String> = [
        "client_id_level", "topic_pattern", "online", "offline", "clean_offline", "json_field",
    ]

    func subscriptions(_ node: Node) -> [SubscriptionConfig] {
        guard let items = reader.sequence(node, "subscriptions") else { return [] }
        if items.isEmpty { reader.report(node, "subscriptions is empty: the broker would watch nothing") }
        var result: [SubscriptionConfig] = []
        for item in items {
            guard let entries = reader.mapping(item, "a subscription", allowed: Self.subscriptionKeys) else {
                continue
            }
            var topic: String?
            var format: FeedFormat?
            var qos = 1
            for entry in entries {
                switch entry.key {
                case "topic":
                    topic = reader.nonEmptyString(entry.value, "topic")
                    if let topic, let message = Self.topicProblem(topic) { reader.report(entry.value, message) }
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
            guard let topic, let format else { continue }
            var subscription = SubscriptionConfig(topic: topic, format: format, qos: qos)
            let lwtEntries = entries.filter { Self.lwtKeys.contains($0.key) }
            if format == .lwt {
                subscription.lwt = lwtOptions(lwtEntries, topic: subscription.filter, subscription: item)
            } else {
                for entry in lwtEntries {
                    reader.report(
                        entry.keyNode,
                        "'\(entry.key)' applies to format lwt only, not \(format.rawValue) (its rules are fixed)"
                    )
                }
            }
            result.append(subscription)
        }
        return result
    }

    /// What is wrong with a subscription's `topic`: a topic filter, or a shared subscription
    /// `$share/GROUP/filter` of one.
    static func topicProblem(_ topic: String) -> String? {
        switch SharedSubscription.parse(topic) {
        case nil: return TopicFilter.problem(topic)
        case .failure(let error)?: return error.message
        case .success(let shared)?: return TopicFilter.problem(shared.filter)
        }
    }

    /// The Last-Will options of an `lwt` subscription on the topic filter `topic` (without a
    /// `$share/GROUP/` prefix: its levels are those of the topics that arrive).
    func lwtOptions(
        _ entries: [(key: String, keyNode: Node, value: Node)],
        topic: String,
        subscription: Node
    ) -> LWTOptions? {
        let filterLevels = TopicLevels.split(topic)
        var source: LWTOptions.ClientIDSource?
        var options = LWTOptions(clientID: .level(1))
        var valid = true
        var words: [(key: String, node: Node, values: [String])] = []
        for entry in entries {
            switch entry.key {
            case "client_id_level":
                guard let level = reader.int(entry.value, "client_id_level", range: 1...64) else {
                    valid = false
                    continue
                }
                if source != nil {
                    reader.report(entry.keyNode, "use either client_id_level or topic_pattern, not both")
                    valid = false
                }
                let restAt = filterLevels.firstIndex(of: "#")
                if let restAt, level > restAt {
                    // The level is inside the part `#` matches: any value is possible.
                } else if level > filterLevels.count {
                    reader.report(
                        entry.value,
                        "client_id_level \(level) is impossible: topic filter '\(topic)' has \(filterLevels.count) levels"
                    )
                    valid = false
                } else if filterLevels[level - 1] != "+" {
                    reader.report(
                        entry.value,
                        "client_id_level \(level) of '\(topic)' is the fixed text '\(filterLevels[level - 1])', "
                            + "so every client would have the same id; point it at a '+' level"
                    )
                    valid = false
                }
                source = .level(level)
            case "topic_pattern":
                guard let text = reader.nonEmptyString(entry.value, "topic_pattern") else {
                    valid = false
                    continue
                }
                if source != nil {
                    reader.report(entry.keyNode, "use either client_id_level or topic_pattern, not both")
                    valid = false
                }
                switch LWTOptions.parsePattern(text) {
                case .success(let levels): source = .pattern(levels)
                case .failure(let error):
                    reader.report(entry.value, error.message)
                    valid = false
                }
            case "online", "offline", "clean_offline":
                guard let values = reader.stringList(entry.value, entry.key) else {
                    valid = false
                    continue
                }
                if values.contains(where: { $0.isEmpty }) {
                    reader.report(
                        entry.value,
                        "\(entry.key) must not contain an empty text (an empty payload clears a topic)"
                    )
                    valid = false
                }
                words.append((entry.key, entry.value, values))
                switch entry.key {
                case "online": options.online = values
                case "offline": options.offline = values
                default: options.cleanOffline = values
                }
            case "json_field":
                options.jsonField = reader.nonEmptyString(entry.value, "json_field")
                if options.jsonField == nil { valid = false }
            default: break
            }
        }
        var seen: [String: String] = [:]
        for list in [("online", options.online), ("offline", options.offline), ("clean_offline", options.cleanOffline)]
        {
            for word in list.1 {
                let key = word.lowercased()
                if let other = seen[key], other != list.0 {
                    let node = words.first { $0.key == list.0 }?.node ?? subscription
                    reader.report(node, "'\(word)' is listed in both \(other) and \(list.0)")
                    valid = false
                }
                seen[key] = list.0
            }
        }
        if source == nil {
            if let wildcard = filterLevels.firstIndex(of: "+") {
                source = .level(wildcard + 1)
            } else {
                reader.report(
                    subscription,
                    "format lwt needs client_id_level or topic_pattern: topic filter '\(topic)' has no '+' level "
                        + "to take the client id from"
                )
                valid = false
            }
        }
        guard valid, let source else { return nil }
        options.clientID = source
        return options
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
