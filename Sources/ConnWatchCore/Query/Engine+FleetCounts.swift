/// The fleet's clients counted by broker, client type and type id, for `GET /api/v1/fleet`.
extension Engine {
    /// One pass over the client table (no client is copied): clients sharing a label set are
    /// counted under it first, then the label sets are merged by broker, client type and type id.
    public var fleetCounts: [FleetCountsJSON.Group] {
        struct Key: Hashable {
            var labels: ObjectIdentifier
            var clientType: ClientType
        }
        var counts: [Key: (labels: SharedClientLabels, status: [Int])] = [:]
        for position in clientStates.indices where !isForgotten(position) {
            let client = clientStates[position]
            let key = Key(labels: ObjectIdentifier(client.sharedLabels), clientType: client.clientType)
            let column = Int(client.status.rawValue)
            if counts[key] == nil { counts[key] = (client.sharedLabels, [0, 0, 0]) }
            counts[key]?.status[column] += 1
        }
        var groups: [String: FleetCountsJSON.Group] = [:]
        for (key, entry) in counts {
            let name = entry.labels.broker + "\u{0}" + key.clientType.label + "\u{0}" + entry.labels.typeID
            var group =
                groups[name]
                ?? FleetCountsJSON.Group(
                    broker: entry.labels.broker,
                    clientType: key.clientType.label,
                    typeID: entry.labels.typeID
                )
            for status in [ConnectionStatus.connected, .disconnected, .unknown] {
                group.counts[status, default: 0] += entry.status[Int(status.rawValue)]
            }
            groups[name] = group
        }
        return groups.values.sorted {
            ($0.broker, $0.clientType, $0.typeID) < ($1.broker, $1.clientType, $1.typeID)
        }
    }
}
