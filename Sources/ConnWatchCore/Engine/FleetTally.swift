/// The fleet's clients counted by broker, client type and type id and by status, kept up to date
/// as clients are added, change status and are forgotten: `GET /api/v1/fleet` and `/metrics` read
/// the counts in O(groups), whatever the fleet's size, instead of passing over every client.
///
/// Each client's group is found once, when it is added (by its shared label set, whose identity
/// is remembered for the next client of the same set), and kept per client position, so a status
/// change is two array updates. Groups that lose their last client are dropped when the client
/// table is compacted, so the groups follow the clients known, not every type id ever reported.
struct FleetTally {
    /// What clients are counted under.
    struct GroupKey: Hashable {
        var broker: String
        var clientType: ClientType
        var typeID: String
    }

    private var groupOf: [GroupKey: Int32] = [:]
    private(set) var groups: [GroupKey] = []
    /// Three per group: connected, disconnected, unknown (`ConnectionStatus.rawValue`).
    private var counts: [Int] = []
    /// Per client position: its group, or -1 once the client is forgotten.
    private var clientGroup: [Int32] = []
    /// The last label set and client type a group was found for: clients arrive in runs of one
    /// label set (a store's rows, a device type's clients), so most adds skip the dictionary.
    private var last: (labels: SharedClientLabels, clientType: ClientType, group: Int32)?
    /// Clients per status over every group.
    private(set) var totals = [0, 0, 0]

    /// Room for `capacity` clients without growing.
    mutating func reserveCapacity(_ capacity: Int) { clientGroup.reserveCapacity(capacity) }

    /// Counts a client added at the next position.
    mutating func add(_ client: ClientState) {
        let group = group(of: client)
        clientGroup.append(group)
        counts[Int(group) * 3 + Int(client.status.rawValue)] += 1
        totals[Int(client.status.rawValue)] += 1
    }

    /// The client at `position` went from `old` to `new`.
    @inline(__always)
    mutating func changed(_ position: Int, from old: ConnectionStatus, to new: ConnectionStatus) {
        guard old != new else { return }
        let group = Int(clientGroup[position])
        guard group >= 0 else { return }
        counts[group * 3 + Int(old.rawValue)] -= 1
        counts[group * 3 + Int(new.rawValue)] += 1
        totals[Int(old.rawValue)] -= 1
        totals[Int(new.rawValue)] += 1
    }

    /// The client at `position`, last with `status`, is forgotten.
    mutating func remove(_ position: Int, status: ConnectionStatus) {
        let group = Int(clientGroup[position])
        guard group >= 0 else { return }
        counts[group * 3 + Int(status.rawValue)] -= 1
        totals[Int(status.rawValue)] -= 1
        clientGroup[position] = -1
    }

    /// The client table was compacted: `moved[position]` is a client's new position, or -1 if it
    /// was dropped. Groups without clients are dropped too.
    mutating func compact(_ moved: [Int32], kept: Int) {
        var newGroup = [Int32](repeating: -1, count: groups.count)
        var newGroups: [GroupKey] = []
        var newCounts: [Int] = []
        for group in groups.indices where counts[group * 3..<group * 3 + 3].contains(where: { $0 != 0 }) {
            newGroup[group] = Int32(newGroups.count)
            newGroups.append(groups[group])
            newCounts.append(contentsOf: counts[group * 3..<group * 3 + 3])
        }
        var newClientGroup = [Int32](repeating: -1, count: kept)
        for position in clientGroup.indices where moved[position] >= 0 && clientGroup[position] >= 0 {
            newClientGroup[Int(moved[position])] = newGroup[Int(clientGroup[position])]
        }
        groups = newGroups
        counts = newCounts
        clientGroup = newClientGroup
        groupOf = Dictionary(uniqueKeysWithValues: newGroups.enumerated().map { ($1, Int32($0)) })
        last = nil
    }

    /// The counts of each group with clients, by broker, client type and type id.
    var snapshot: [FleetCountsJSON.Group] {
        var result: [FleetCountsJSON.Group] = []
        for (group, key) in groups.enumerated() {
            let tally = counts[group * 3..<group * 3 + 3]
            guard tally.contains(where: { $0 != 0 }) else { continue }
            var entry = FleetCountsJSON.Group(
                broker: key.broker,
                clientType: key.clientType.label,
                typeID: key.typeID
            )
            for status in [ConnectionStatus.connected, .disconnected, .unknown] {
                entry.counts[status] = counts[group * 3 + Int(status.rawValue)]
            }
            result.append(entry)
        }
        return result.sorted { ($0.broker, $0.clientType, $0.typeID) < ($1.broker, $1.clientType, $1.typeID) }
    }

    private mutating func group(of client: ClientState) -> Int32 {
        if let last, last.labels === client.sharedLabels, last.clientType == client.clientType {
            return last.group
        }
        let key = GroupKey(broker: client.broker, clientType: client.clientType, typeID: client.typeID)
        let group: Int32
        if let known = groupOf[key] {
            group = known
        } else {
            group = Int32(groups.count)
            groupOf[key] = group
            groups.append(key)
            counts += [0, 0, 0]
        }
        last = (client.sharedLabels, client.clientType, group)
        return group
    }
}
