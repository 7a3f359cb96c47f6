/// Checks an MQTT topic filter's syntax.
public enum TopicFilter {
    /// What is wrong with `filter` (a `#` or `+` that is not a whole level, a `#` that is not the last
    /// level), or `nil`.
    public static func problem(_ filter: String) -> String? {
        let levels = TopicLevels.split(filter)
        for (position, level) in levels.enumerated() {
            if TopicLevels.contains(level, "#") && (!TopicLevels.equal(level, "#") || position != levels.count - 1) {
                return "topic filter '\(filter)': '#' must be a whole level and the last one"
            }
            if TopicLevels.contains(level, "+") && !TopicLevels.equal(level, "+") {
                return "topic filter '\(filter)': '+' must be a whole level"
            }
        }
        return nil
    }
}

extension TopicFilter {
    /// Whether `topic` matches the MQTT topic filter `filter` (`+` one level, `#` the rest), level by
    /// level and byte for byte (see ``TopicLevels``). Topics starting with `$` match only filters that
    /// name the `$` level explicitly.
    public static func matches(_ filter: String, _ topic: String) -> Bool {
        if topic.utf8.first == UInt8(ascii: "$"), let first = filter.utf8.first,
            first == UInt8(ascii: "+") || first == UInt8(ascii: "#")
        {
            return false
        }
        let filterLevels = TopicLevels.split(filter)
        let topicLevels = TopicLevels.split(topic)
        for (position, level) in filterLevels.enumerated() {
            if TopicLevels.equal(level, "#") { return true }
            guard position < topicLevels.count else { return false }
            if !TopicLevels.equal(level, "+") && !TopicLevels.equal(level, topicLevels[position]) { return false }
        }
        return filterLevels.count == topicLevels.count
    }
}
