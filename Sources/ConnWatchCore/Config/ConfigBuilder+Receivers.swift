import Yams

extension ConfigBuilder {
    // MARK: receivers

    static let receiverKeys = [
        "name", "type", "url", "url_file", "timeout", "send_resolved", "headers", "max_retry_duration",
    ]

    func receivers(_ node: Node) -> [ReceiverConfig] {
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

    func headerNames(_ node: Node) -> [String] {
        node.mapping?.keys.compactMap { $0.scalar?.string } ?? []
    }

    func checkReceiverNames(_ names: [String], at node: Node?, _ config: ConnWatchConfig) {
        let known = config.receivers.map(\.name)
        for name in names where !known.contains(name) {
            var message = "receiver '\(name)' is not defined under receivers"
            if let suggestion = Suggestion.closest(to: name, among: known) {
                message += "; did you mean '\(suggestion)'?"
            }
            reader.report(node, message)
        }
    }
}
