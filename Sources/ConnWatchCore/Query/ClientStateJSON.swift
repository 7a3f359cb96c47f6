/// The JSON of client connection states: the platform's item fields (`reference/FORMATS.md` §2.3)
/// and connwatch's own, named plainly. Times are ISO 8601 UTC with milliseconds; a field whose
/// value is unknown is left out.
public enum ClientStateJSON {
    /// `mqttPublish`-style names for the last activity.
    public static func activityName(_ action: StatusAction) -> String {
        switch action {
        case .connect: return "mqttConnect"
        case .disconnect: return "mqttDisconnect"
        case .failedConnect: return "mqttConnectFailed"
        }
    }

    /// The MQTT protocol level the platform reports (`3.1.1`) for a feed's protocol name (`mqtt4`).
    public static func protocolLevel(_ name: String) -> String {
        let lower = name.lowercased()
        if lower.hasPrefix("mqtt3") { return "3.1" }
        if lower.hasPrefix("mqtt4") || lower.hasPrefix("mqttv3.1.1") { return "3.1.1" }
        if lower.hasPrefix("mqtt5") || lower.hasPrefix("mqttv5") { return "5.0" }
        return name
    }

    /// How the client reached the broker when its feed's protocol name says (`mqtt4-ws` → `websocket`,
    /// `mqtt4-tcp` → `tcp`); `nil` when it does not.
    public static func transport(_ name: String) -> String? {
        let lower = name.lowercased()
        if lower.hasSuffix("-ws") || lower.hasSuffix("-wss") || lower.hasSuffix("-websocket") { return "websocket" }
        if lower.hasSuffix("-tcp") { return "tcp" }
        return nil
    }

    /// Writes one client as an object.
    public static func write(_ client: ClientState, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("id", client.clientID)
        writer.field("clientType", client.clientType.label)
        writer.field("connectionStatus", client.status.label)
        time("lastConnectTime", client.lastConnectTime, &writer)
        time("lastDisconnectTime", client.lastDisconnectTime, &writer)
        if let event = client.lastActivityEvent { writer.field("lastActivityEvent", activityName(event)) }
        time("lastActivityTime", client.lastActivityTime, &writer)
        if let name = client.protocolName {
            writer.field("mqttConnectProtocol", protocolLevel(name))
            if let transport = transport(name) { writer.field("transport", transport) }
        }
        if let initiator = client.disconnectedBy { writer.field("disconnectedBy", initiator.label) }
        if let code = client.reasonCode { writer.field("reasonCode", Int64(code)) }
        if let text = client.reasonText { writer.field("reason", text) }
        if let cause = client.cause { writer.field("cause", cause.label) }
        if !client.orgID.isEmpty { writer.field("orgId", client.orgID) }
        if !client.typeID.isEmpty { writer.field("typeId", client.typeID) }
        if !client.deviceID.isEmpty { writer.field("deviceId", client.deviceID) }
        if !client.appID.isEmpty { writer.field("appId", client.appID) }
        if let address = client.clientAddress { writer.field("clientAddress", address) }
        writer.field("broker", client.broker)
        writer.endObject()
    }

    /// `{"results": [...], "bookmark": "..."}`; no bookmark on the last page.
    public static func page(_ page: ClientStateQuery.Page) -> APIResponse {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("results")
        writer.beginArray()
        for client in page.results { write(client, into: &writer) }
        writer.endArray()
        if let bookmark = page.bookmark { writer.field("bookmark", bookmark.text) }
        writer.endObject()
        return .json(writer)
    }

    /// One client, or a 404 naming it.
    public static func single(_ client: ClientState?, id: String) -> APIResponse {
        guard let client else { return APIError.notFound("no client with id '\(id)' is known").response }
        var writer = JSONWriter()
        write(client, into: &writer)
        return .json(writer)
    }

    /// The answer to forgetting a client: its id and how many of its alerts resolved.
    public static func forgotten(_ id: String, resolvedAlerts: Int) -> APIResponse {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("clientId", id)
        writer.key("forgotten")
        writer.bool(true)
        writer.key("resolvedAlerts")
        writer.int(Int64(resolvedAlerts))
        writer.endObject()
        return .json(writer)
    }

    static func time(_ name: String, _ value: Int64?, _ writer: inout JSONWriter) {
        if let value { writer.field(name, Timestamp.formatISO8601(milliseconds: value)) }
    }
}
