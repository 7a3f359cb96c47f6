/// The fleet's clients counted by broker, client type and type id, for `GET /api/v1/fleet`.
extension Engine {
    /// One pass over the client table, answered on the daemon's loop: no client is copied and no
    /// string hashed per client. Clients sharing a label set are tallied under it (consecutive
    /// clients mostly share one, so the last one is kept at hand), then the label sets are merged
    /// by broker, client type and type id.
    public var fleetCounts: [FleetCountsJSON.Group] {
        struct Key: Hashable {
            var labels: ObjectIdentifier
            var clientType: ClientType
        }
        var slots: [Key: Int] = [:]
        var labelSets: [(labels: SharedClientLabels, clientType: ClientType)] = []
        var tallies: [Int] = []  // three per slot: connected, disconnected, unknown
        var last: (key: Key, slot: Int)?
        for position in clientStates.indices where !isForgotten(position) {
            let key = Key(
                labels: ObjectIdentifier(clientStates[position].sharedLabels),
                clientType: clientStates[position].clientType
            )
            let slot: Int
            if let last, last.key == key {
                slot = last.slot
            } else if let known = slots[key] {
                slot = known
            } else {
                slot = labelSets.count
                slots[key] = slot
                labelSets.append((clientStates[position].sharedLabels, key.clientType))
                tallies += [0, 0, 0]
            }
            last = (key, slot)
            tallies[slot * 3 + Int(clientStates[position].status.rawValue)] += 1
        }
        var groups: [String: FleetCountsJSON.Group] = [:]
        for (slot, entry) in labelSets.enumerated() {
            let name = entry.labels.broker + "\u{0}" + entry.clientType.label + "\u{0}" + entry.labels.typeID
            var group =
                groups[name]
                ?? FleetCountsJSON.Group(
                    broker: entry.labels.broker,
                    clientType: entry.clientType.label,
                    typeID: entry.labels.typeID
                )
            for status in [ConnectionStatus.connected, .disconnected, .unknown] {
                group.counts[status, default: 0] += tallies[slot * 3 + Int(status.rawValue)]
            }
            groups[name] = group
        }
        return groups.values.sorted {
            ($0.broker, $0.clientType, $0.typeID) < ($1.broker, $1.clientType, $1.typeID)
        }
    }
}
