/// Per-alert texts with a receiver's templates.
struct AlertTexts {
    static let defaultTitle = MessageTemplate(validated: "{{alertname}}{{#client_id}}: {{client_id}}{{/client_id}}")
    static let defaultText = MessageTemplate(validated: "{{summary}}{{^summary}}{{description}}{{/summary}}")

    let alert: Alert
    let title: MessageTemplate
    let text: MessageTemplate

    init(_ alert: Alert, receiver: ReceiverConfig) {
        self.alert = alert
        self.title = receiver.title ?? Self.defaultTitle
        self.text = receiver.text ?? Self.defaultText
    }

    var firing: Bool { alert.state == .firing }

    /// The value of a template variable, unescaped.
    func value(_ name: String) -> String? {
        switch name {
        case "status": return firing ? "firing" : "resolved"
        case "STATUS": return firing ? "FIRING" : "RESOLVED"
        case "fingerprint": return alert.fingerprint
        case "rule": return alert.rule
        case "starts_at": return Timestamp.formatISO8601(milliseconds: alert.startsAt)
        case "ends_at": return alert.endsAt.map { Timestamp.formatISO8601(milliseconds: $0) }
        default: return alert.labels[name] ?? alert.annotations[name]
        }
    }

    /// A template variable: `value(name)`, or when no label or annotation has the name, `labels`
    /// and `annotations` as lists of `name`/`value` (and maps: `{{labels.client_id}}`).
    func variable(_ name: String) -> Any? {
        if let value = value(name) { return value }
        switch name {
        case "labels": return TemplateList(labels: alert.labels)
        case "annotations": return TemplateList(labels: alert.annotations)
        default: return nil
        }
    }

    /// The alert's variables as a template context.
    var scope: TemplateScope { TemplateScope(variable) }

    /// The title with every substituted value escaped by `escaping`, on one line.
    func title(_ escaping: TextEscaping) -> String {
        let rendered = PlatformText.singleLine(title.render(scope, .platform(escaping)))
        if rendered.isEmpty || rendered.allSatisfy({ $0 == " " || $0 == ":" }) { return alert.rule }
        return rendered
    }

    func text(_ escaping: TextEscaping) -> String {
        text.render(scope, .platform(escaping))
    }

    /// `🔴 [FIRING] ` or `✅ [RESOLVED] `.
    var marker: String { firing ? "🔴 [FIRING] " : "✅ [RESOLVED] " }
}
