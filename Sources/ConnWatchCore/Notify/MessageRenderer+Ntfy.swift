extension MessageRenderer {
    // MARK: ntfy

    /// ntfy: JSON published to the server root with the topic taken from the URL's last path segment;
    /// the message ≤ 4,096 bytes (the whole body stays within that), the "… N more" line kept.
    static func ntfy(_ input: Input) -> RenderedMessage {
        let (root, topic) = ntfyTopic(input.context.url)
        var message = input.alerts.map { alert in
            let text = alert.text(.plain)
            return input.alerts.count == 1
                ? text : alert.marker + alert.title(.plain) + (text.isEmpty ? "" : "\n\(text)")
        }.joined(separator: "\n\n")
        if message.isEmpty { message = input.headline(.plain) }
        let more = input.moreLine.map { "\n\($0)" } ?? ""
        message = input.fit(message, 3_400 - input.limits.length(more)) + more
        let critical = input.alerts.contains { $0.alert.labels["severity"] == "critical" }
        var json = JSONWriter()
        json.beginObject()
        json.field("topic", topic)
        json.field("title", input.fit(input.headline(.plain), 250))
        json.field("message", message)
        json.field("priority", input.firing ? (critical ? 5 : 4) : 2)
        json.key("tags")
        json.beginArray()
        json.string(input.firing ? "rotating_light" : "white_check_mark")
        json.endArray()
        json.endObject()
        return RenderedMessage(url: root, body: json.bytes)
    }

    /// `https://ntfy.sh/alerts?auth=x#y` → (`https://ntfy.sh/?auth=x`, `alerts`): the query stays on
    /// the URL posted to (ntfy's `?auth=` authentication), the topic goes into the JSON body.
    static func ntfyTopic(_ url: String) -> (root: String, topic: String) {
        let withoutFragment = url.prefix { $0 != "#" }
        let path = withoutFragment.prefix { $0 != "?" }
        let query = withoutFragment.dropFirst(path.count)
        guard let schemeEnd = path.range(of: "://"),
            let slash = path[schemeEnd.upperBound...].lastIndex(of: "/")
        else { return (url, "") }
        return (String(path[...slash]) + query, String(path[path.index(after: slash)...]))
    }
}
