/// `GET /api/v1/fleet`: how many clients are connected, disconnected and unknown, in all and by
/// broker, client type and type id (the web console's fleet page).
public enum FleetCountsJSON {
    /// The clients of one broker, client type and type id.
    public struct Group: Sendable, Equatable {
        public var broker: String
        public var clientType: String
        public var typeID: String
        public var counts: [ConnectionStatus: Int] = [:]

        public init(broker: String, clientType: String, typeID: String, counts: [ConnectionStatus: Int] = [:]) {
            self.broker = broker
            self.clientType = clientType
            self.typeID = typeID
            self.counts = counts
        }
    }

    /// `{"clients": {"total", "connected", "disconnected", "unknown"}, "groups": [...]}`.
    public static func render(_ groups: [Group]) -> APIResponse {
        var total: [ConnectionStatus: Int] = [:]
        for group in groups {
            for (status, count) in group.counts { total[status, default: 0] += count }
        }
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("clients")
        writeCounts(total, total: true, into: &writer)
        writer.key("groups")
        writer.beginArray()
        for group in groups {
            writer.beginObject()
            writer.field("broker", group.broker)
            writer.field("clientType", group.clientType)
            writer.field("typeId", group.typeID)
            writeCounts(group.counts, total: false, into: &writer, open: false)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return .json(writer)
    }

    private static func writeCounts(
        _ counts: [ConnectionStatus: Int],
        total: Bool,
        into writer: inout JSONWriter,
        open: Bool = true
    ) {
        if open { writer.beginObject() }
        if total { writer.field("total", Int64(counts.values.reduce(0, +))) }
        for status in [ConnectionStatus.connected, .disconnected, .unknown] {
            writer.field(status.label, Int64(counts[status] ?? 0))
        }
        if open { writer.endObject() }
    }
}
