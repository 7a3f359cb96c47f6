extension MessageRenderer {
    // MARK: PagerDuty

    /// The Events API v2 endpoint.
    public static let pagerDutyURL = "https://events.pagerduty.com/v2/enqueue"

    /// PagerDuty Events API v2: `trigger` or `resolve` with `dedup_key` = `connwatch/<fingerprint>`;
    /// summary ≤ 1024 characters.
    static func pagerDuty(_ input: Input) -> RenderedMessage {
        let url = input.context.url.isEmpty ? pagerDutyURL : input.context.url
        guard let alert = input.alerts.first else { return RenderedMessage(url: url, body: Array("{}".utf8)) }
        var json = JSONWriter()
        json.beginObject()
        json.field("routing_key", input.context.routingKey)
        json.field("event_action", alert.firing ? "trigger" : "resolve")
        json.field("dedup_key", "connwatch/\(alert.alert.fingerprint)")
        if alert.firing {
            var summary = alert.title(.plain)
            let text = PlatformText.singleLine(alert.text(.plain))
            if !text.isEmpty { summary += " — \(text)" }
            json.key("payload")
            json.beginObject()
            json.field("summary", input.limits.fit(summary, PlatformLimits.pagerDutySummary))
            json.field("source", alert.alert.labels["broker"] ?? "connwatch")
            json.field("severity", pagerDutySeverity(alert.alert.labels["severity"]))
            json.field("timestamp", Timestamp.formatISO8601(milliseconds: alert.alert.startsAt))
            if let client = alert.alert.labels["client_id"] { json.field("component", client) }
            json.field("class", alert.alert.labels["alertname"] ?? alert.alert.rule)
            json.key("custom_details")
            json.beginObject()
            for pair in alert.alert.labels {
                json.field(pair.name, PlatformText.truncate(pair.value, maxCharacters: 1000))
            }
            for pair in alert.alert.annotations {
                json.field(pair.name, PlatformText.truncate(pair.value, maxCharacters: 4000))
            }
            json.endObject()
            json.endObject()
            json.field("client", "connwatch")
            json.field("client_url", input.context.externalURL)
        }
        json.endObject()
        return RenderedMessage(url: url, body: json.bytes)
    }

    static func pagerDutySeverity(_ severity: String?) -> String {
        switch severity {
        case "critical", "error", "warning", "info": return severity ?? "warning"
        default: return "warning"
        }
    }

    // MARK: Generic webhook

    /// Alertmanager webhook v4 JSON (`truncatedAlerts` counts alerts beyond `max_alerts`), or the
    /// receiver's `body` template with JSON-escaped values (`webhookBodyScope`).
    static func webhook(_ input: Input) -> RenderedMessage {
        if let template = input.receiver.body {
            let body = template.render(webhookBodyScope(input), .json)
            return RenderedMessage(url: input.context.url, body: Array(body.utf8))
        }
        var shown = input.notification
        shown.alerts = input.alerts.map(\.alert)
        let body = AlertmanagerWebhookPayload.render(
            shown,
            externalURL: input.context.externalURL,
            truncatedAlerts: input.omitted
        )
        return RenderedMessage(url: input.context.url, body: body)
    }

    // MARK: Alertmanager

    /// An existing Alertmanager's `POST /api/v2/alerts`: a JSON array of alerts. A firing alert
    /// ends 4 × `resend_interval` after it is sent (the daemon posts it again every interval while
    /// it fires, as Prometheus does); a resolved one ends when it resolved.
    static func alertmanager(_ input: Input) -> RenderedMessage {
        var url = input.context.url
        while url.hasSuffix("/") { url.removeLast() }
        if !url.hasSuffix("/api/v2/alerts") { url += "/api/v2/alerts" }
        var json = JSONWriter()
        json.beginArray()
        for alert in input.alerts {
            json.beginObject()
            json.object("labels", alert.alert.labels)
            json.object("annotations", alert.alert.annotations)
            json.field("startsAt", Timestamp.formatISO8601(milliseconds: alert.alert.startsAt))
            let ends =
                alert.firing
                ? input.context.sentAt.map { $0 + input.receiver.alertmanagerValidity } : alert.alert.endsAt
            if let ends { json.field("endsAt", Timestamp.formatISO8601(milliseconds: ends)) }
            json.field("generatorURL", "\(input.context.externalURL)/rules/\(alert.alert.rule)")
            json.endObject()
        }
        json.endArray()
        return RenderedMessage(url: url, body: json.bytes)
    }
}
