/// The client labels rules match on and alerts carry.
public enum ClientLabel: String, Sendable, CaseIterable {
    case clientID = "client_id"
    case clientType = "client_type"
    case orgID = "org_id"
    case typeID = "type_id"
    case deviceID = "device_id"
    case appID = "app_id"
    case broker = "broker"

    /// The label's value for a client.
    public func value(of client: ClientState) -> String {
        switch self {
        case .clientID: return client.clientID
        case .clientType: return client.clientType.label
        case .orgID: return client.orgID
        case .typeID: return client.typeID
        case .deviceID: return client.deviceID
        case .appID: return client.appID
        case .broker: return client.broker
        }
    }
}

/// Selects the clients a rule applies to: for every label named, the client's value must match
/// one of the globs, and every Alertmanager-style label matcher (`=`, `!=`, `=~`, `!~`) must hold.
/// An empty matcher selects every client.
public struct ClientMatcher: Sendable, Equatable {
    public var conditions: [(label: ClientLabel, globs: [Glob])]
    public var labelMatchers: [LabelMatcher]

    public init(_ conditions: [(label: ClientLabel, globs: [Glob])] = [], labelMatchers: [LabelMatcher] = []) {
        self.conditions = conditions
        self.labelMatchers = labelMatchers
    }

    public func matches(_ client: ClientState) -> Bool {
        for condition in conditions {
            let value = condition.label.value(of: client)
            if !condition.globs.contains(where: { $0.matches(value) }) { return false }
        }
        if !labelMatchers.isEmpty {
            var labels = LabelSet()
            for label in ClientLabel.allCases { labels[label.rawValue] = label.value(of: client) }
            return labelMatchers.allSatisfy { $0.matches(labels) }
        }
        return true
    }

    public static func == (lhs: ClientMatcher, rhs: ClientMatcher) -> Bool {
        lhs.conditions.count == rhs.conditions.count && lhs.labelMatchers == rhs.labelMatchers
            && zip(lhs.conditions, rhs.conditions).allSatisfy { $0.label == $1.label && $0.globs == $1.globs }
    }
}
