import Yams

extension ConfigBuilder {
    // MARK: receivers

    static let receiverKeys = [
        "name", "type", "url", "urls", "url_file", "url_credential", "routing_key_file", "routing_key_credential",
        "timeout", "send_resolved",
        "headers", "max_retry_duration", "max_alerts", "title", "text", "body", "partials", "signing",
        "signing_secret_file",
        "signing_secret_credential", "token_file", "token_credential",
        "rate_limit", "resend_interval",
    ]

    func receivers(_ node: Node) -> [ReceiverConfig] {
        guard let items = reader.sequence(node, "receivers") else { return [] }
        var result: [ReceiverConfig] = []
        for item in items {
            guard let entries = reader.mapping(item, "a receiver", allowed: Self.receiverKeys) else { continue }
            var receiver = ReceiverConfig(name: "")
            var resendNode: Node?
            var urlsNode: Node?
            var maxAlertsNode: Node?
            var tokenNode: Node?
            var templateNodes: [(key: String, node: Node)] = []
            var partialsNode: Node?
            for entry in entries {
                let value = entry.value
                switch entry.key {
                case "name": receiver.name = reader.nonEmptyString(value, "name") ?? ""
                case "type":
                    guard let text = reader.string(value, "type") else { continue }
                    if let type = ReceiverType(rawValue: text) {
                        receiver.type = type
                    } else {
                        var message =
                            "unknown receiver type '\(text)' (known: \(ReceiverType.allCases.map(\.rawValue).joined(separator: ", ")))"
                        if let guess = Suggestion.closest(to: text, among: ReceiverType.allCases.map(\.rawValue)) {
                            message += "; did you mean '\(guess)'?"
                        }
                        reader.report(value, message)
                    }
                case "url":
                    guard let text = reader.string(value, "url") else { continue }
                    if !(text.hasPrefix("http://") || text.hasPrefix("https://")) || text.count < 10 {
                        reader.report(value, "url must be an http:// or https:// address")
                    }
                    receiver.url = text
                case "urls":
                    receiver.peerURLs = peerURLs(value)
                    urlsNode = value
                case "url_file": receiver.urlFile = readablePath(value, "url_file")
                case "url_credential": receiver.urlCredential = credential(value, "url_credential")
                case "routing_key_file": receiver.routingKeyFile = readablePath(value, "routing_key_file")
                case "routing_key_credential":
                    receiver.routingKeyCredential = credential(value, "routing_key_credential")
                case "signing_secret_credential":
                    receiver.signingSecretCredential = credential(value, "signing_secret_credential")
                case "max_alerts":
                    receiver.maxAlerts = reader.int(value, "max_alerts", range: 1...1000)
                    maxAlertsNode = value
                case "token_file":
                    receiver.tokenFile = readablePath(value, "token_file")
                    tokenNode = entry.keyNode
                case "token_credential":
                    receiver.tokenCredential = credential(value, "token_credential")
                    tokenNode = entry.keyNode
                case "title", "text", "body": templateNodes.append((entry.key, value))
                case "partials": partialsNode = value
                case "signing":
                    guard let text = reader.string(value, "signing") else { continue }
                    if let scheme = SigningScheme(rawValue: text) {
                        receiver.signing = scheme
                    } else {
                        reader.report(
                            value,
                            "unknown signing '\(text)' (known: \(SigningScheme.allCases.map(\.rawValue).joined(separator: ", ")))"
                        )
                    }
                case "signing_secret_file": receiver.signingSecretFile = readablePath(value, "signing_secret_file")
                case "rate_limit":
                    guard let text = reader.string(value, "rate_limit") else { continue }
                    if let rate = Self.rate(text) {
                        receiver.rateLimit = rate
                    } else {
                        reader.report(value, "rate_limit must look like '1/s', '60/m' or '4' (per second)")
                    }
                case "timeout":
                    receiver.timeout = reader.duration(value, "timeout") ?? receiver.timeout
                    if receiver.timeout <= 0 { reader.report(value, "timeout must be more than 0") }
                case "send_resolved": receiver.sendResolved = reader.bool(value, "send_resolved") ?? true
                case "max_retry_duration":
                    receiver.maxRetryDuration =
                        reader.duration(value, "max_retry_duration") ?? receiver.maxRetryDuration
                case "resend_interval":
                    receiver.resendInterval = reader.duration(value, "resend_interval") ?? receiver.resendInterval
                    if receiver.resendInterval < 1000 { reader.report(value, "resend_interval must be at least 1s") }
                    resendNode = value
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
            let partials = partials(partialsNode)
            for (key, node) in templateNodes {
                let parsed = template(node, key, partials: partials)
                switch key {
                case "title": receiver.title = parsed
                case "text": receiver.text = parsed
                default: receiver.body = parsed
                }
            }
            if receiver.name.isEmpty {
                reader.report(item, "a receiver needs a name")
                continue
            }
            let sources =
                [receiver.url, receiver.urlFile, receiver.urlCredential].compactMap { $0 }.count
                + (urlsNode == nil ? 0 : 1)
            if let urlsNode, receiver.type != .alertmanager {
                reader.report(
                    urlsNode,
                    "receiver '\(receiver.name)': urls (peers of a cluster) is only for type alertmanager"
                )
            } else if sources > 1 || (sources == 0 && receiver.type != .pagerduty) {
                let choices = receiver.type == .alertmanager ? "url, urls, url_file" : "url, url_file"
                reader.report(item, "receiver '\(receiver.name)' needs exactly one of \(choices) and url_credential")
            }
            if receiver.type == .pagerduty && (receiver.routingKeyFile == nil) == (receiver.routingKeyCredential == nil)
            {
                reader.report(
                    item,
                    "pagerduty receiver '\(receiver.name)' needs one of routing_key_file and routing_key_credential"
                )
            }
            if receiver.signing != .none
                && (receiver.signingSecretFile == nil) == (receiver.signingSecretCredential == nil)
            {
                reader.report(
                    item,
                    "receiver '\(receiver.name)' signs requests and needs one of signing_secret_file and signing_secret_credential"
                )
            }
            if let resendNode, receiver.type != .alertmanager {
                reader.report(resendNode, "receiver '\(receiver.name)': resend_interval is only for type alertmanager")
            }
            if let maxAlerts = receiver.maxAlerts, maxAlerts > receiver.type.maximumMaxAlerts {
                let limits = PlatformLimits.of(receiver.type)
                reader.report(
                    maxAlertsNode,
                    "max_alerts \(maxAlerts) is more than a \(receiver.type.rawValue) message can show: at most "
                        + "\(limits.maximumAlerts) (\(limits.maximumAlertsReason))"
                )
            }
            if receiver.tokenFile != nil && receiver.tokenCredential != nil {
                reader.report(item, "receiver '\(receiver.name)' needs at most one of token_file and token_credential")
            }
            if let tokenNode, receiver.type != .ntfy {
                reader.report(
                    tokenNode,
                    "receiver '\(receiver.name)': token_file and token_credential are only for type ntfy"
                )
            }
            if receiver.body != nil && receiver.type != .webhook {
                reader.report(item, "receiver '\(receiver.name)': body is only for type webhook")
            }
            if result.contains(where: { $0.name == receiver.name }) {
                reader.report(item, "two receivers are named '\(receiver.name)'")
            }
            result.append(receiver)
        }
        return result
    }

    /// `urls:` of an `alertmanager` receiver: the peers of one Alertmanager cluster, each an http(s)
    /// address listed once.
    func peerURLs(_ node: Node) -> [String] {
        guard let items = reader.sequence(node, "urls") else { return [] }
        if items.isEmpty { reader.report(node, "urls lists no Alertmanager peers") }
        var urls: [String] = []
        for item in items {
            guard let text = reader.string(item, "a peer url") else { continue }
            if !(text.hasPrefix("http://") || text.hasPrefix("https://")) || text.count < 10 {
                reader.report(item, "peer url '\(text)' must be an http:// or https:// address")
                continue
            }
            let normalized = Self.normalizedPeer(text)
            if urls.contains(where: { Self.normalizedPeer($0) == normalized }) {
                reader.report(item, "peer url '\(text)' is listed twice: every alert would be posted to it twice")
                continue
            }
            urls.append(text)
        }
        return urls
    }

    /// A peer URL compared without a trailing `/` and with its scheme and host in lower case.
    static func normalizedPeer(_ url: String) -> String {
        var text = url
        while text.hasSuffix("/") { text.removeLast() }
        guard let schemeEnd = text.range(of: "://") else { return text }
        let rest = text[schemeEnd.upperBound...]
        let host = rest.prefix { $0 != "/" }
        return text[..<schemeEnd.upperBound].lowercased() + host.lowercased() + String(rest.dropFirst(host.count))
    }

    /// A `title`, `text` or `body` template; a parse error is reported at the template with its
    /// position inside it.
    func template(_ node: Node, _ what: String, partials: [String: String]) -> MessageTemplate? {
        guard let text = reader.string(node, what) else { return nil }
        do {
            return try MessageTemplate(text, partials: partials)
        } catch {
            reader.report(node, "\(what): \(error)")
            return nil
        }
    }

    /// A receiver's `partials` (name: template), each checked; one with a problem is reported and
    /// kept as an empty partial, so the templates that include it are not reported as well.
    func partials(_ node: Node?) -> [String: String] {
        guard let node, let pairs = reader.mapping(node, "partials", allowed: headerNames(node)) else { return [:] }
        var partials: [String: String] = [:]
        for pair in pairs {
            guard let text = reader.string(pair.value, "partial \(pair.key)") else { continue }
            guard !pair.key.isEmpty,
                pair.key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) })
            else {
                reader.report(pair.keyNode, "partial name '\(pair.key)' must be letters, digits, '_', '.' and '-'")
                continue
            }
            do {
                _ = try MessageTemplate.parsePartial(text)
                partials[pair.key] = text
            } catch {
                reader.report(pair.value, "partial '\(pair.key)': \(error)")
                partials[pair.key] = ""
            }
        }
        return partials
    }

    /// `1/s`, `60/m`, `100/h` or a plain number per second.
    static func rate(_ text: String) -> Double? {
        let parts = text.split(separator: "/", maxSplits: 1).map { $0.filter { $0 != " " } }
        guard let count = parts.first.flatMap({ Double($0) }), count > 0 else { return nil }
        guard parts.count == 2 else { return count }
        switch parts[1] {
        case "s": return count
        case "m": return count / 60
        case "h": return count / 3600
        default: return nil
        }
    }

    func headerNames(_ node: Node) -> [String] {
        node.mapping?.keys.compactMap { $0.scalar?.string } ?? []
    }

    /// Reports each name of `names` no receiver has, at its own entry of the list `node` (or at
    /// `node` itself when it is a single name).
    func checkReceiverNames(_ names: [String], at node: Node?, _ config: ConnWatchConfig) {
        let known = config.receivers.map(\.name)
        for name in names where !known.contains(name) {
            let entry = node?.sequence?.first { $0.scalar?.string == name } ?? node
            var message = "receiver '\(name)' is not defined under receivers"
            if let suggestion = Suggestion.closest(to: name, among: known) {
                message += "; did you mean '\(suggestion)'?"
            }
            reader.report(entry, message)
        }
    }
}
