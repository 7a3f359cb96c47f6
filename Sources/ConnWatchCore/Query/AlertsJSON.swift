/// `GET /api/v1/alerts`: the firing and pending alerts, each with what the notifier would do
/// with it now: the receivers it goes to, the silences that mute it (`silencedBy`) and the firing
/// alerts that inhibit it (`inhibitedBy`, as Alertmanager's `status.inhibitedBy`), be it an
/// `inhibit:` rule or a `fleet_offline` alert holding back its clients' alerts.
public enum AlertsJSON {
    /// The listing; a pending alert that also fires is listed once, as firing. `heldBack` gives,
    /// by fingerprint, the alerts the engine holds back and the fingerprints of those that hold
    /// them back (``Engine/heldBackAlerts``). At most `limit` alerts are listed (the firing ones
    /// first); `total`, when given, is how many there are, sent as `X-Total-Count`.
    public static func render(
        firing: [Alert],
        pending: [Alert],
        pipeline: NotificationPipeline,
        now: Int64,
        heldBack: [String: [String]] = [:],
        limit: Int = .max,
        total: Int? = nil
    ) -> APIResponse {
        let firingSet = Set(firing.map(\.fingerprint))
        let all =
            (firing.sorted { ($0.startsAt, $0.fingerprint) < ($1.startsAt, $1.fingerprint) }
            + pending.filter { !firingSet.contains($0.fingerprint) }).prefix(limit)
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
            strings("receivers", pipeline.dispatcher.routes(alert).map(\.receiver), into: &writer)
            strings("silencedBy", pipeline.silences.silencingIDs(alert.labels, at: now), into: &writer)
            var inhibitedBy = heldBack[alert.fingerprint] ?? []
            for source in inhibition?.inhibitors(of: alert) ?? [] where !inhibitedBy.contains(source) {
                inhibitedBy.append(source)
            }
            strings("inhibitedBy", inhibitedBy, into: &writer)
            writer.key("inhibited")
            writer.bool(!inhibitedBy.isEmpty || heldBack[alert.fingerprint] != nil)
            writer.endObject()
        }
        writer.endArray()
        var response = APIResponse.json(writer)
        if let total { response.headers["X-Total-Count"] = String(max(total, all.count)) }
        return response
    }

    private static func strings(_ name: String, _ values: [String], into writer: inout JSONWriter) {
        writer.key(name)
        writer.beginArray()
        for value in values { writer.string(value) }
        writer.endArray()
    }
}
