/// Finding a client by type id and device id, for the platform's connection-log API
/// (`typeId` and `deviceId`), without copying the client table.
extension Engine {
    /// A client with `typeID` and `deviceID` (the first in table order when several have them and
    /// none has the platform's own client id). When the fleet's label sets
    /// name a single organisation, its device and gateway ids (`d:ORG:TYPE:ID`, `g:ORG:TYPE:ID`,
    /// the platform's client ids) are looked up first: a known client costs two index lookups at
    /// any fleet size. Otherwise, and when neither is known, one pass over the table compares
    /// the two ids in place.
    public func client(typeID: String, deviceID: String) -> ClientState? {
        if let org = labels.onlyOrganisation {
            let candidates = ["d:\(org):\(typeID):\(deviceID)", "g:\(org):\(typeID):\(deviceID)"].compactMap { id in
                tablePosition(of: id).flatMap { position in
                    let client = table[Int(position)]
                    return client.typeID == typeID && client.deviceID == deviceID ? position : nil
                }
            }
            if let first = candidates.min() { return table[Int(first)] }
        }
        for position in table.indices
        where table.deviceID(at: position) == deviceID && table.fields[position].sharedLabels.typeID == typeID
            && !isForgotten(position)
        {
            return table[position]
        }
        return nil
    }
}
