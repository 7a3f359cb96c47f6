extension MessageRenderer {
    // MARK: Slack

    /// Slack: `text` fallback, Block Kit header + one section per alert, a colour bar attachment.
    /// Limits: header 150, section text 3000, 50 blocks.
    static func slack(_ input: Input) -> RenderedMessage {
        var json = JSONWriter()
        let fallback = PlatformText.truncate(input.headline(.slack), maxCharacters: 3000)
        json.beginObject()
        json.field("text", fallback)
        json.key("blocks")
        json.beginArray()
        json.beginObject()
        json.field("type", "header")
        json.key("text")
        json.beginObject()
        json.field("type", "plain_text")
        json.field("text", PlatformText.truncate(input.headline(.slack), maxCharacters: 150))
        json.field("emoji", true)
        json.endObject()
        json.endObject()
        for alert in input.alerts {
            var text = "*\(alert.title(.slack))*"
            let body = alert.text(.slack)
            if !body.isEmpty { text += "\n\(body)" }
            json.beginObject()
            json.field("type", "section")
            json.key("text")
            json.beginObject()
            json.field("type", "mrkdwn")
            json.field("text", PlatformText.truncate(text, maxCharacters: 3000))
            json.endObject()
            json.endObject()
        }
        json.beginObject()
        json.field("type", "context")
        json.key("elements")
        json.beginArray()
        json.beginObject()
        json.field("type", "mrkdwn")
        var context = "connwatch"
        if let more = input.moreLine { context = "\(more) · connwatch" }
        json.field("text", context)
        json.endObject()
        json.endArray()
        json.endObject()
        json.endArray()
        json.key("attachments")
        json.beginArray()
        json.beginObject()
        json.field("color", input.firing ? "#D00000" : "#2EB886")
        json.field("fallback", fallback)
        json.endObject()
        json.endArray()
        json.endObject()
        return RenderedMessage(url: input.context.url, body: json.bytes)
    }

    // MARK: Microsoft Teams

    /// Teams Workflows: a `message` envelope with one Adaptive Card; whole message ≤ 28 KB.
    static func teams(_ input: Input) -> RenderedMessage {
        let budget = max(200, 22_000 / max(input.alerts.count, 1))
        var json = JSONWriter()
        json.beginObject()
        json.field("type", "message")
        json.key("attachments")
        json.beginArray()
        json.beginObject()
        json.field("contentType", "application/vnd.microsoft.card.adaptive")
        json.key("contentUrl")
        json.null()
        json.key("content")
        json.beginObject()
        json.field("$schema", "http://adaptivecards.io/schemas/adaptive-card.json")
        json.field("type", "AdaptiveCard")
        json.field("version", "1.4")
        json.key("msteams")
        json.beginObject()
        json.field("width", "full")
        json.endObject()
        json.key("body")
        json.beginArray()
        teamsText(&json, PlatformText.truncate(input.headline(.plain), maxCharacters: 400)) {
            $0.field("weight", "Bolder")
            $0.field("size", "Medium")
            $0.field("style", "heading")
            $0.field("color", input.firing ? "Attention" : "Good")
        }
        for alert in input.alerts {
            if input.alerts.count > 1 {
                teamsText(&json, PlatformText.truncate(alert.marker + alert.title(.plain), maxCharacters: 400)) {
                    $0.field("weight", "Bolder")
                }
            }
            let text = alert.text(.plain)
            if !text.isEmpty { teamsText(&json, PlatformText.truncate(text, maxBytes: budget)) { _ in } }
            if input.alerts.count == 1 {
                json.beginObject()
                json.field("type", "FactSet")
                json.key("facts")
                json.beginArray()
                let labels = Array(alert.alert.labels)
                for pair in labels.prefix(20) {
                    json.beginObject()
                    json.field("title", PlatformText.truncate(pair.name, maxCharacters: 100))
                    json.field("value", PlatformText.truncate(pair.value, maxCharacters: 500))
                    json.endObject()
                }
                if labels.count > 20 {
                    json.beginObject()
                    json.field("title", "…")
                    json.field("value", "\(labels.count - 20) more labels")
                    json.endObject()
                }
                json.endArray()
                json.endObject()
            }
        }
        if let more = input.moreLine { teamsText(&json, more) { $0.field("isSubtle", true) } }
        json.endArray()
        json.endObject()
        json.endObject()
        json.endArray()
        json.endObject()
        return RenderedMessage(url: input.context.url, body: json.bytes)
    }

    private static func teamsText(_ json: inout JSONWriter, _ text: String, _ extra: (inout JSONWriter) -> Void) {
        json.beginObject()
        json.field("type", "TextBlock")
        json.field("text", text)
        json.field("wrap", true)
        extra(&json)
        json.endObject()
    }

    // MARK: Discord

    /// Discord: `content` ≤ 2000, one embed per alert (≤ 10; title 256, description 4096, all embeds
    /// together 6000 characters), mentions disabled, `?wait=true` for a delivery confirmation.
    static func discord(_ input: Input) -> RenderedMessage {
        let titles = input.alerts.map { PlatformText.truncate($0.title(.discord), maxCharacters: 256) }
        let footer = "connwatch"
        let used = titles.reduce(0) { $0 + $1.count } + input.alerts.count * footer.count
        let budget = min(4096, max(20, (5_900 - used) / max(input.alerts.count, 1)))
        var content = input.headline(.discord)
        if let more = input.moreLine { content += "\n\(more)" }
        var json = JSONWriter()
        json.beginObject()
        json.field("username", "connwatch")
        json.field("content", PlatformText.truncate(content, maxCharacters: 2000))
        json.key("allowed_mentions")
        json.beginObject()
        json.key("parse")
        json.beginArray()
        json.endArray()
        json.endObject()
        json.key("embeds")
        json.beginArray()
        for (alert, title) in zip(input.alerts, titles) {
            json.beginObject()
            json.field("title", title)
            let text = alert.text(.discord)
            if !text.isEmpty { json.field("description", PlatformText.truncate(text, maxCharacters: budget)) }
            json.field("color", alert.firing ? 10_038_562 : 3_066_993)
            json.field("timestamp", Timestamp.formatISO8601(milliseconds: alert.alert.endsAt ?? alert.alert.startsAt))
            json.key("footer")
            json.beginObject()
            json.field("text", footer)
            json.endObject()
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return RenderedMessage(url: addingQuery(input.context.url, "wait", "true"), body: json.bytes)
    }

    // MARK: Google Chat

    /// Google Chat: cardsV2, `thread.threadKey` per alert so the resolved message replies in the
    /// firing thread; whole message ≤ 32,000 bytes.
    static func googleChat(_ input: Input) -> RenderedMessage {
        let budget = max(200, 26_000 / max(input.alerts.count, 1))
        let key = input.notification.alerts.first?.fingerprint ?? input.notification.id
        var json = JSONWriter()
        json.beginObject()
        json.key("thread")
        json.beginObject()
        json.field("threadKey", "connwatch-\(key)")
        json.endObject()
        json.key("cardsV2")
        json.beginArray()
        json.beginObject()
        json.field("cardId", "alert-\(key)")
        json.key("card")
        json.beginObject()
        json.key("header")
        json.beginObject()
        json.field("title", PlatformText.truncate(input.headline(.plain), maxCharacters: 200))
        json.field("subtitle", "connwatch")
        json.endObject()
        json.key("sections")
        json.beginArray()
        for alert in input.alerts {
            json.beginObject()
            json.field("header", PlatformText.truncate(alert.marker + alert.title(.html), maxCharacters: 400))
            json.key("widgets")
            json.beginArray()
            let text = alert.text(.html)
            if !text.isEmpty {
                json.beginObject()
                json.key("textParagraph")
                json.beginObject()
                json.field("text", PlatformText.truncate(text, maxBytes: budget))
                json.endObject()
                json.endObject()
            }
            if let client = alert.alert.labels["client_id"] {
                json.beginObject()
                json.key("decoratedText")
                json.beginObject()
                json.field("topLabel", "Client")
                json.field("text", PlatformText.truncate(PlatformText.escape(client, .html), maxCharacters: 500))
                json.endObject()
                json.endObject()
            }
            json.endArray()
            json.endObject()
        }
        if let more = input.moreLine {
            json.beginObject()
            json.key("widgets")
            json.beginArray()
            json.beginObject()
            json.key("textParagraph")
            json.beginObject()
            json.field("text", more)
            json.endObject()
            json.endObject()
            json.endArray()
            json.endObject()
        }
        json.endArray()
        json.endObject()
        json.endObject()
        json.endArray()
        json.endObject()
        let url = addingQuery(input.context.url, "messageReplyOption", "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD")
        return RenderedMessage(url: url, contentType: "application/json; charset=UTF-8", body: json.bytes)
    }

    // MARK: Mattermost and Rocket.Chat

    /// Mattermost: markdown `text` plus one coloured attachment per alert; posts ≤ 16,383 characters.
    static func mattermost(_ input: Input) -> RenderedMessage {
        attachmentsMessage(
            input,
            totalCharacters: 15_000,
            header: { json, text in
                json.field("username", "connwatch")
                json.field("text", "#### \(text)")
            }
        )
    }

    /// Rocket.Chat incoming webhook: `text` plus coloured attachments; messages ≤ 5000 characters.
    static func rocketChat(_ input: Input) -> RenderedMessage {
        attachmentsMessage(
            input,
            totalCharacters: 4_500,
            header: { json, text in
                json.field("alias", "connwatch")
                json.field("emoji", ":rotating_light:")
                json.field("text", text)
            }
        )
    }

    private static func attachmentsMessage(
        _ input: Input,
        totalCharacters: Int,
        header: (inout JSONWriter, String) -> Void
    ) -> RenderedMessage {
        let budget = max(100, (totalCharacters - 600) / max(input.alerts.count, 1))
        var text = input.headline(.markdownMentions)
        if let more = input.moreLine { text += "\n\(more)" }
        var json = JSONWriter()
        json.beginObject()
        header(&json, PlatformText.truncate(text, maxCharacters: 500))
        json.key("attachments")
        json.beginArray()
        for alert in input.alerts {
            json.beginObject()
            json.field("fallback", PlatformText.truncate(alert.marker + alert.title(.mentionsOnly), maxCharacters: 200))
            json.field("color", alert.firing ? "#D00000" : "#2EB886")
            json.field("title", PlatformText.truncate(alert.title(.markdownMentions), maxCharacters: 200))
            json.field("text", PlatformText.truncate(alert.text(.markdownMentions), maxCharacters: budget))
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return RenderedMessage(url: input.context.url, body: json.bytes)
    }
}

extension JSONWriter {
    /// `"name":true|false`.
    public mutating func field(_ name: String, _ value: Bool) {
        key(name)
        bool(value)
    }

    /// `value` escaped for use inside a JSON string, without the quotes.
    public static func escaped(_ value: String) -> String {
        var writer = JSONWriter()
        writer.string(value)
        return String(decoding: writer.bytes.dropFirst().dropLast(), as: UTF8.self)
    }
}
