extension MessageRenderer {
    // MARK: Slack

    /// Slack: `text` fallback, Block Kit header + one section per alert, a colour bar attachment.
    /// Limits in code points: header 150, section and context text 3000, 50 blocks; all sections
    /// together stay within the 40,000 of a message's text.
    static func slack(_ input: Input) -> RenderedMessage {
        let sectionLimit = min(PlatformLimits.slackText, PlatformLimits.slackMessageText / max(input.alerts.count, 1))
        var json = JSONWriter()
        let fallback = input.fit(input.headline(.slack), PlatformLimits.slackText)
        json.beginObject()
        json.field("text", fallback)
        json.key("blocks")
        json.beginArray()
        json.beginObject()
        json.field("type", "header")
        json.key("text")
        json.beginObject()
        json.field("type", "plain_text")
        json.field("text", input.fit(input.headline(.slack), PlatformLimits.slackHeader))
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
            json.field("text", input.fit(text, sectionLimit))
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

    /// The Adaptive Card version the Teams card declares: the card validates against its official
    /// schema (`TextBlock.style` is new in 1.5).
    static let adaptiveCardVersion = "1.5"

    /// Teams Workflows: a `message` envelope with one Adaptive Card; whole message ≤ 28 KB (bytes).
    /// Every value is Markdown-escaped: TextBlock and FactSet text is Markdown.
    static func teams(_ input: Input) -> RenderedMessage {
        let textLimit = max(200, 22_000 / max(input.alerts.count, 1))
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
        json.field("version", adaptiveCardVersion)
        json.key("body")
        json.beginArray()
        teamsText(&json, input.fit(input.headline(.markdown), 400)) {
            $0.field("weight", "Bolder")
            $0.field("size", "Medium")
            $0.field("style", "heading")
            $0.field("color", input.firing ? "Attention" : "Good")
        }
        for alert in input.alerts {
            if input.alerts.count > 1 {
                teamsText(&json, input.fit(alert.marker + alert.title(.markdown), 400)) {
                    $0.field("weight", "Bolder")
                }
            }
            let text = alert.text(.markdown)
            if !text.isEmpty { teamsText(&json, input.fit(text, textLimit)) { _ in } }
            if input.alerts.count == 1 {
                json.beginObject()
                json.field("type", "FactSet")
                json.key("facts")
                json.beginArray()
                let labels = Array(alert.alert.labels)
                for pair in labels.prefix(20) {
                    json.beginObject()
                    json.field("title", input.fit(PlatformText.escape(pair.name, .markdown), 100))
                    json.field("value", input.fit(PlatformText.escape(pair.value, .markdown), 300))
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

    /// Discord: `content` ≤ 2000, one embed per alert (≤ 10; title 256, description 4096, footer 2048,
    /// all embeds together 6000), counted in code points as Discord's API does; mentions disabled,
    /// `?wait=true` for a delivery confirmation.
    static func discord(_ input: Input) -> RenderedMessage {
        let count = max(input.alerts.count, 1)
        let footer = "connwatch"
        let total = PlatformLimits.discordEmbedsTotal - 100
        let titles = input.alerts.map {
            input.fit($0.title(.discord), min(PlatformLimits.discordTitle, total / count / 3))
        }
        let used = titles.reduce(0) { $0 + input.limits.length($1) } + count * input.limits.length(footer)
        let descriptionLimit = min(PlatformLimits.discordDescription, max(0, total - used) / count)
        var content = input.headline(.discord)
        if let more = input.moreLine { content += "\n\(more)" }
        var json = JSONWriter()
        json.beginObject()
        json.field("username", "connwatch")
        json.field("content", input.fit(content, PlatformLimits.discordContent))
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
            let text = input.fit(alert.text(.discord), descriptionLimit)
            if !text.isEmpty { json.field("description", text) }
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
    /// firing thread; whole message ≤ 32,000 bytes, at most 100 widgets per card (two per alert and
    /// the "… N more" line: `PlatformLimits.maximumAlerts` is 49).
    static func googleChat(_ input: Input) -> RenderedMessage {
        let textLimit = max(200, 26_000 / max(input.alerts.count, 1))
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
        json.field("title", input.fit(input.headline(.plain), 400))
        json.field("subtitle", "connwatch")
        json.endObject()
        json.key("sections")
        json.beginArray()
        for alert in input.alerts {
            json.beginObject()
            json.field("header", input.fit(alert.marker + alert.title(.html), 400))
            json.key("widgets")
            json.beginArray()
            let text = alert.text(.html)
            if !text.isEmpty {
                json.beginObject()
                json.key("textParagraph")
                json.beginObject()
                json.field("text", input.fit(text, textLimit))
                json.endObject()
                json.endObject()
            }
            if let client = alert.alert.labels["client_id"] {
                json.beginObject()
                json.key("decoratedText")
                json.beginObject()
                json.field("topLabel", "Client")
                json.field("text", input.fit(PlatformText.escape(client, .html), 500))
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

    /// Mattermost: markdown `text` plus one coloured attachment per alert; posts ≤ 16,383 code points.
    static func mattermost(_ input: Input) -> RenderedMessage {
        attachmentsMessage(
            input,
            totalCharacters: PlatformLimits.mattermostMessage - 1_383,
            header: { json, text in
                json.field("username", "connwatch")
                json.field("text", "#### \(text)")
            }
        )
    }

    /// Rocket.Chat incoming webhook: `text` plus coloured attachments; messages ≤ 5000 code points.
    static func rocketChat(_ input: Input) -> RenderedMessage {
        attachmentsMessage(
            input,
            totalCharacters: PlatformLimits.rocketChatMessage - 500,
            header: { json, text in
                json.field("alias", "connwatch")
                json.field("emoji", ":rotating_light:")
                json.field("text", text)
            }
        )
    }

    /// A header text and one attachment per alert, all together within `totalCharacters` code points.
    private static func attachmentsMessage(
        _ input: Input,
        totalCharacters: Int,
        header: (inout JSONWriter, String) -> Void
    ) -> RenderedMessage {
        let share = (totalCharacters - 600) / max(input.alerts.count, 1)
        let titleLimit = min(200, share / 4)
        var text = input.headline(.markdownMentions)
        if let more = input.moreLine { text += "\n\(more)" }
        var json = JSONWriter()
        json.beginObject()
        header(&json, input.fit(text, 500))
        json.key("attachments")
        json.beginArray()
        for alert in input.alerts {
            json.beginObject()
            json.field("fallback", input.fit(alert.marker + alert.title(.mentionsOnly), titleLimit))
            json.field("color", alert.firing ? "#D00000" : "#2EB886")
            json.field("title", input.fit(alert.title(.markdownMentions), titleLimit))
            json.field("text", input.fit(alert.text(.markdownMentions), share - 2 * titleLimit))
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
