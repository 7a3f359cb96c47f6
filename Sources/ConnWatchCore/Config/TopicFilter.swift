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
