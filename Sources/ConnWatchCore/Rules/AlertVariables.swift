/// The values annotation templates can use.
struct AlertVariables {
    /// Every name a template may use, besides the alert's labels.
    static let names: Set<String> = [
        "client_id", "client_type", "org_id", "type_id", "device_id", "app_id", "broker", "rule", "severity",
        "offline_for", "offline_since", "reason", "reason_code", "cause", "disconnected_by", "protocol",
        "client_address", "group", "count", "window",
        "offline_clients", "total_clients", "offline_percent", "status",
    ]

    let client: ClientState
    let rule: String
    let severity: String
    let since: Int64
    let now: Int64
    /// Rule-kind specific values (`group`, `count`, `window`).
    var extra: [String: String] = [:]

    func value(of name: String, labels: LabelSet) -> String? {
        switch name {
        case "client_id": return client.clientID
        case "client_type": return client.clientType.label
        case "org_id": return client.orgID
        case "type_id": return client.typeID
        case "device_id": return client.deviceID
        case "app_id": return client.appID
        case "broker": return client.broker
        case "rule": return rule
        case "severity": return severity
        case "offline_for": return DurationText.format(milliseconds: now - since)
        case "offline_since": return Timestamp.formatISO8601(milliseconds: since)
        case "reason": return client.reasonText ?? client.cause?.label ?? "unknown"
        case "reason_code": return client.reasonCode.map(String.init) ?? "none"
        case "cause": return client.cause?.label ?? "unknown"
        case "disconnected_by": return client.disconnectedBy?.label ?? "unknown"
        case "protocol": return client.protocolName ?? "unknown"
        case "client_address": return client.clientAddress ?? "unknown"
        case "status": return client.status.label
        default: return extra[name] ?? labels[name]
        }
    }
}
