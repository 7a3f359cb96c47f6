/// `GET /api/v1/alerts`: the firing and pending alerts, each with what the notifier would do
/// with it now (silenced by which silences, inhibited or not).
public enum AlertsJSON {
    /// The listing; a pending alert that also fires is listed once, as firing.
    public static func render(
        firing: [Alert],
        pending: [Alert],
        pipeline: NotificationPipeline,
        now: Int64
    ) -> APIResponse {
        let firingSet = Set(firing.map(\.fingerprint))
        let all =
            firing.sorted { ($0.startsAt, $0.fingerprint) < ($1.startsAt, $1.fingerprint) }
            + pending.filter { !firingSet.contains($0.fingerprint) }
        let inhibition = pipeline.inhibitor.rules.isEmpty ? nil : pipeline.inhibitor.index(firing: firing)
        var writer = JSONWriter()
        writer.beginArray()
        for alert in all {
            writer.beginObject()
            writer.field("fingerprint", alert.fingerprint)
            writer.field("rule", alert.rule)
            writer.field("state", alert.state.rawValue)
            writer.object("labels", alert.labels)
            writer.object("annotations", alert.annotations)
            writer.field("activeSince", Timestamp.formatISO8601(milliseconds: alert.activeSince))
            writer.field("startsAt", Timestamp.formatISO8601(milliseconds: alert.startsAt))
            writer.key("receivers")
            writer.beginArray()
            for receiver in alert.receivers { writer.string(receiver) }
            writer.endArray()
            let silencedBy = pipeline.silences.silencingIDs(alert.labels, at: now)
            writer.key("silencedBy")
            writer.beginArray()
            for id in silencedBy { writer.string(id) }
            writer.endArray()
            writer.key("inhibited")
            writer.bool(inhibition?.isInhibited(alert) ?? false)
            writer.endObject()
        }
        writer.endArray()
        return .json(writer)
    }
}
