/// An MQTT 5 shared subscription, `$share/GROUP/filter`: the broker hands each message of `filter` to
/// one subscriber of the group, so instances subscribed with the same group split the feed between
/// them. The broker delivers messages with their own topic, which `filter` (without the prefix)
/// matches; `GROUP` only names the group.
public struct SharedSubscription: Sendable, Equatable {
    /// The share name, one topic level without wildcards.
    public var group: String
    /// The topic filter the group shares.
    public var filter: String

    static let prefix = "$share"

    /// Whether `topic` is meant as a shared subscription: `$share` as its first level.
    public static func isShared(_ topic: String) -> Bool {
        TopicLevels.split(topic).first.map { TopicLevels.equal($0, prefix) } ?? false
    }

    /// Reads `$share/GROUP/filter`: `nil` when `topic` is not a shared subscription at all, the
    /// subscription, or what is wrong with it (no group, wildcards in it, no filter after it).
    public static func parse(_ topic: String) -> Result<SharedSubscription, SharedSubscriptionError>? {
        guard isShared(topic) else { return nil }
        let levels = TopicLevels.split(topic)
        let example = "write $share/GROUP/FILTER, e.g. $share/connwatch/iot-2/type/+/id/+/mon"
        guard levels.count >= 2, !levels[1].isEmpty else {
            return .failure(SharedSubscriptionError("shared subscription '\(topic)' has no group: \(example)"))
        }
        let group = levels[1]
        if TopicLevels.contains(group, "+") || TopicLevels.contains(group, "#") {
            return .failure(
                SharedSubscriptionError(
                    "shared subscription '\(topic)': the group '\(group)' must not contain '+' or '#' (it is a "
                        + "name, not a filter)"
                )
            )
        }
        let filter = levels.dropFirst(2).joined(separator: "/")
        guard levels.count >= 3, !filter.isEmpty else {
            let message = "shared subscription '\(topic)' has no topic filter after the group: \(example)"
            return .failure(SharedSubscriptionError(message))
        }
        return .success(SharedSubscription(group: String(group), filter: filter))
    }
}

/// A `$share/…` subscription that cannot be used.
public struct SharedSubscriptionError: Error, Sendable, Equatable {
    /// What is wrong, for a `file:line:column` message.
    public var message: String

    init(_ message: String) {
        self.message = message
    }
}

extension SubscriptionConfig {
    /// The topic filter the broker's messages match: `topic` without a `$share/GROUP/` prefix.
    public var filter: String {
        guard case .success(let shared)? = SharedSubscription.parse(topic) else { return topic }
        return shared.filter
    }

    /// The group of a shared subscription (`$share/GROUP/…`), or `nil`.
    public var shareGroup: String? {
        guard case .success(let shared)? = SharedSubscription.parse(topic) else { return nil }
        return shared.group
    }
}
