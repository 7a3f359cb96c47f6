extension MessageRenderer {
    /// Names a webhook body has at the top only; inside `{{#alerts}}` they still mean the notification's.
    static let bodyNames: Set<String> = [
        "receiver", "id", "alerts_count", "truncated_alerts", "external_url", "alerts", "group_labels",
        "common_labels", "common_annotations",
    ]

    /// The variables of a webhook `body` template: `receiver`, `id`, `alerts_count`,
    /// `truncated_alerts` (alerts beyond `max_alerts`), `external_url`, `status`/`STATUS` (`firing`
    /// when any alert fires), `title` and `text` (the first alert's, plain), the first alert's
    /// variables, `group_labels`, `common_labels` and `common_annotations` (lists of `name`/`value`,
    /// and maps: `{{group_labels.client_id}}`), and `alerts`: one item per alert shown, each with its
    /// variables, `title`, `text`, `first`, `last` and `index` (from 0).
    static func webhookBodyScope(_ input: Input) -> TemplateScope {
        let notification = input.notification
        let first = input.alerts.first
        let count = input.alerts.count
        let alerts = TemplateList(input.alerts.enumerated().map { alertItem($1, index: $0, count: count) })
        let common = AlertmanagerWebhookPayload.commonLabels(notification.alerts.map(\.labels))
        return TemplateScope { name in
            switch name {
            case "receiver": return notification.receiver
            case "id": return notification.id
            case "alerts_count": return "\(notification.alerts.count)"
            case "truncated_alerts": return "\(input.omitted)"
            case "external_url": return input.context.externalURL
            case "status": return notification.status == .firing ? "firing" : "resolved"
            case "STATUS": return notification.status == .firing ? "FIRING" : "RESOLVED"
            case "title": return first?.title(.plain)
            case "text": return first?.text(.plain)
            case "alerts": return alerts
            case "group_labels":
                return TemplateList(labels: AlertmanagerWebhookPayload.groupLabels(notification, common: common))
            case "common_labels": return TemplateList(labels: common)
            case "common_annotations":
                return TemplateList(
                    labels: AlertmanagerWebhookPayload.commonLabels(notification.alerts.map(\.annotations))
                )
            default: return first?.variable(name)
            }
        }
    }

    /// One item of a body's `alerts`. A name the alert does not have is empty here rather than
    /// looked up in the body (where it would be the first alert's), except the body's own names.
    static func alertItem(_ alert: AlertTexts, index: Int, count: Int) -> TemplateScope {
        TemplateScope { name in
            switch name {
            case "first": return index == 0
            case "last": return index == count - 1
            case "index": return index
            case "title": return alert.title(.plain)
            case "text": return alert.text(.plain)
            default: return alert.variable(name) ?? (bodyNames.contains(name) ? nil : "")
            }
        }
    }
}
