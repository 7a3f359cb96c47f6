/// The JSON body of Alertmanager's webhook notifier (payload version 4), so anything that reads
/// Alertmanager webhooks reads connwatch's: `groupKey` (root route `{}` and the group labels as
/// Alertmanager writes them), `groupLabels` from the group's `group_by`, `commonLabels`,
/// `commonAnnotations`, and each alert's `fingerprint` as Alertmanager computes it for its labels.
public enum AlertmanagerWebhookPayload {
    /// Renders `notification` as Alertmanager's version-4 webhook JSON; `truncatedAlerts` counts
    /// alerts left out of `notification.alerts`. A notification without group labels (a preview)
    /// is grouped by `alertname`.
    public static func render(_ notification: Notification, externalURL: String, truncatedAlerts: Int = 0) -> [UInt8] {
        let alerts = notification.alerts
        let common = commonLabels(alerts.map(\.labels))
        let groupLabels = groupLabels(notification, common: common)
        var json = JSONWriter()
        json.beginObject()
        json.field("version", "4")
        json.field("groupKey", "{}:\(groupLabels.alertmanagerDescription)")
        json.field("truncatedAlerts", Int64(truncatedAlerts))
        json.field("status", notification.status.rawValue)
        json.field("receiver", notification.receiver)
        json.object("groupLabels", groupLabels)
        json.object("commonLabels", common)
        json.object("commonAnnotations", commonLabels(alerts.map(\.annotations)))
        json.field("externalURL", externalURL)
        let reason =
            notification.reason ?? (notification.status == .firing ? .firstNotification : .allAlertsResolved)
        json.field("notification_reason", reason.words)
        json.key("alerts")
        json.beginArray()
        for alert in alerts {
            json.beginObject()
            json.field("status", alert.state == .firing ? "firing" : "resolved")
            json.object("labels", alert.labels)
            json.object("annotations", alert.annotations)
            json.field("startsAt", Timestamp.formatISO8601(milliseconds: alert.startsAt))
            json.field(
                "endsAt",
                alert.endsAt.map { Timestamp.formatISO8601(milliseconds: $0) } ?? "0001-01-01T00:00:00Z"
            )
            json.field("generatorURL", "\(externalURL)/rules/\(alert.rule)")
            json.field("fingerprint", alert.labels.alertmanagerFingerprint)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.bytes
    }

    /// The labels every set shares with the same value.
    /// The notification's group labels; `alertname` from `common` (the alerts' common labels) for a
    /// notification without a group (a preview).
    static func groupLabels(_ notification: Notification, common: LabelSet) -> LabelSet {
        if let labels = notification.groupLabels { return labels }
        var labels = LabelSet()
        labels["alertname"] = common["alertname"]
        return labels
    }

    static func commonLabels(_ sets: [LabelSet]) -> LabelSet {
        guard var common = sets.first else { return LabelSet() }
        for set in sets.dropFirst() {
            for pair in common where set[pair.name] != pair.value { common[pair.name] = nil }
        }
        return common
    }
}
