import ConnWatchCore

/// The MQTT topic matcher (``TopicFilter``) and the `lwt` format's topic patterns (``LWTOptions``).
///
/// Input: a filter, a newline, a topic. The matcher must agree with the MQTT specification's rules
/// written out directly below, and a pattern's client id must come from a topic its filter matches.
enum TopicMatcherFuzz {
    static func run(_ bytes: [UInt8]) -> [String] {
        let (filter, topicBytes) = FuzzInput.topicAndPayload(bytes, defaultTopic: "")
        let topic = String(decoding: topicBytes, as: UTF8.self)
        var problems: [String] = []
        let matches = TopicFilter.matches(filter, topic)
        if matches != reference(filter, topic) {
            problems.append("'\(filter)' \(matches ? "matches" : "does not match") '\(topic)'; the reference disagrees")
        }
        let levelCount = topic.utf8.count(where: { $0 == UInt8(ascii: "/") }) + 1
        if !topic.utf8.contains(UInt8(ascii: "+")) && !topic.utf8.contains(UInt8(ascii: "#")) {
            if !TopicFilter.matches(topic, topic) { problems.append("'\(topic)' does not match itself") }
            if TopicFilter.problem(topic) != nil { problems.append("a topic without wildcards is not a valid filter") }
            if topic.utf8.first != UInt8(ascii: "$") {
                let pluses = Array(repeating: "+", count: levelCount).joined(separator: "/")
                if !TopicFilter.matches(pluses, topic) { problems.append("'\(pluses)' does not match '\(topic)'") }
                if !TopicFilter.matches("#", topic) { problems.append("'#' does not match '\(topic)'") }
            }
        }
        if TopicFilter.problem(filter) == nil
            && !filter.utf8.contains(where: { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "}") })
        {
            problems += pattern(filter, topic, matches: matches)
        }
        return problems
    }

    /// The filter as an `lwt` topic pattern, its first `+` being the client id: the id is found exactly
    /// when the filter matches (for topics a subscription receives) and that level is not empty.
    private static func pattern(_ filter: String, _ topic: String, matches: Bool) -> [String] {
        var filterLevels = Array(filter.utf8).split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        guard let capture = filterLevels.firstIndex(of: "+") else { return [] }
        filterLevels[capture] = "{client_id}"
        let text = filterLevels.joined(separator: "/")
        guard case .success(let levels) = LWTOptions.parsePattern(text) else {
            return ["topic_pattern '\(text)' made from a valid filter does not parse"]
        }
        if topic.utf8.first == UInt8(ascii: "$") && capture == 0 { return [] }
        let topicLevels = Array(topic.utf8).split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        let expected = matches && capture < topicLevels.count && !topicLevels[capture].isEmpty
        let found = LWTOptions(clientID: .pattern(levels)).clientID(in: topic)
        if found != (expected ? String(decoding: topicLevels[capture], as: UTF8.self) : nil) {
            return ["topic_pattern '\(text)' finds \(found.map { "'\($0)'" } ?? "no client id") in '\(topic)'"]
        }
        return []
    }

    /// MQTT 5.0 §4.7, level by level over the UTF-8 bytes (the specification forbids normalising topics):
    /// `+` takes one level, `#` the rest (none too, so `a/#` matches `a`); topics starting with `$` are
    /// not matched by a leading wildcard.
    static func reference(_ filter: String, _ topic: String) -> Bool {
        let slash = UInt8(ascii: "/")
        let filterLevels = Array(filter.utf8).split(separator: slash, omittingEmptySubsequences: false)
        let topicLevels = Array(topic.utf8).split(separator: slash, omittingEmptySubsequences: false)
        let wildcards = [UInt8(ascii: "+"), UInt8(ascii: "#")]
        if topic.utf8.first == UInt8(ascii: "$"), let first = filter.utf8.first, wildcards.contains(first) {
            return false
        }
        func match(_ filter: ArraySlice<ArraySlice<UInt8>>, _ topic: ArraySlice<ArraySlice<UInt8>>) -> Bool {
            guard let level = filter.first else { return topic.isEmpty }
            if level.elementsEqual("#".utf8) { return true }
            guard let name = topic.first else { return false }
            return (level.elementsEqual("+".utf8) || level == name) && match(filter.dropFirst(), topic.dropFirst())
        }
        return match(filterLevels[...], topicLevels[...])
    }
}
