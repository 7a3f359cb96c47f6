/// The engine's clients, by position, as columns: each client's ``ClientFields`` (plain values
/// and shared texts), its ids in one byte arena, and the texts many clients share (reasons,
/// protocol names) in a `TextTable` the fields name by id.
///
/// A `String` per client id cost 16 bytes in the row and, for ids longer than 15 bytes (a Watson
/// IoT id such as `d:org:type:device` is longer), a heap object of about 64 bytes; the arena
/// holds the id's bytes and 8 bytes of offset. The device id is almost always the end of the
/// client id (Watson IoT) or empty, so it is kept as where it starts in the client id (2 bytes);
/// any other device id is kept as a string beside the table.
///
/// ``ClientState`` values are made on demand (`subscript`), for the API, the store and the
/// rules' matchers; the engine's hot path reads and writes `fields` in place.
struct ClientTable {
    /// Each client's fields, by position.
    var fields: [ClientFields] = []
    /// Every client id's UTF-8, one after the other.
    private var idBytes: [UInt8] = []
    /// Where each client's id ends in `idBytes` (it starts where the previous one ends).
    private var idEnds: [Int] = []
    /// Where each client's device id starts within its client id; `otherDevice` when it is not
    /// the end of the client id.
    private var deviceStarts: [UInt16] = []
    /// The device ids that are not the end of their client id, by position.
    private var otherDeviceIDs: [Int32: String] = [:]
    /// The reason texts and protocol names the clients name (`ClientFields.reasonTextID`, …).
    private(set) var texts = TextTable()
    /// The reason and protocol ids the last clients added named: the next ones often name the same.
    private var lastReasonID: UInt32 = 0
    private var lastProtocolID: UInt32 = 0

    private static let otherDevice = UInt16.max

    var count: Int { fields.count }
    var indices: Range<Int> { fields.indices }

    /// Adds a client at position `count`.
    mutating func append(_ client: consuming ClientState) {
        let position = Int32(fields.count)
        var row = client.fields
        row.reasonTextID = texts.hold(client.reasonText, hint: lastReasonID)
        row.protocolNameID = texts.hold(client.protocolName, hint: lastProtocolID)
        if row.reasonTextID != 0 { lastReasonID = row.reasonTextID }
        if row.protocolNameID != 0 { lastProtocolID = row.protocolNameID }
        var clientID = client.clientID
        let deviceID = client.deviceID
        let idLength = clientID.utf8.count
        clientID.withUTF8 { idBytes.append(contentsOf: $0) }
        idEnds.append(idBytes.count)
        let deviceLength = deviceID.utf8.count
        if deviceLength <= idLength, idLength - deviceLength < Int(Self.otherDevice),
            UTF8Bytes.hasSuffix(clientID, deviceID)
        {
            deviceStarts.append(UInt16(idLength - deviceLength))
        } else {
            deviceStarts.append(Self.otherDevice)
            otherDeviceIDs[position] = deviceID
        }
        fields.append(row)
    }

    /// Room for `capacity` clients without growing (but for their ids' bytes).
    mutating func reserveCapacity(_ capacity: Int) {
        fields.reserveCapacity(capacity)
        idEnds.reserveCapacity(capacity)
        deviceStarts.reserveCapacity(capacity)
    }

    /// The client at `position`, made from the columns.
    subscript(position: Int) -> ClientState {
        let row = fields[position]
        return ClientState(
            clientID: id(at: position),
            deviceID: deviceID(at: position),
            reasonText: texts[row.reasonTextID],
            protocolName: texts[row.protocolNameID],
            fields: row
        )
    }

    private func idRange(_ position: Int) -> Range<Int> {
        (position == 0 ? 0 : idEnds[position - 1])..<idEnds[position]
    }

    /// The client id of the client at `position`.
    func id(at position: Int) -> String {
        idBytes.withUnsafeBufferPointer { bytes in
            String(decoding: UnsafeBufferPointer(rebasing: bytes[idRange(position)]), as: UTF8.self)
        }
    }

    /// The device id of the client at `position`.
    func deviceID(at position: Int) -> String {
        let start = deviceStarts[position]
        if start == Self.otherDevice { return otherDeviceIDs[Int32(position)] ?? "" }
        let range = idRange(position)
        return idBytes.withUnsafeBufferPointer { bytes in
            String(
                decoding: UnsafeBufferPointer(rebasing: bytes[(range.lowerBound + Int(start))..<range.upperBound]),
                as: UTF8.self
            )
        }
    }

    /// ``ClientIndex/hash(_:)`` of the client id at `position`, read from the arena (no string is made).
    func idHash(at position: Int) -> UInt64 {
        idBytes.withUnsafeBytes { ClientIndex.hash(UnsafeRawBufferPointer(rebasing: $0[idRange(position)])) }
    }

    /// Whether the client at `position` has the id whose UTF-8 is `id`.
    @inline(__always)
    func hasID(_ id: UnsafeBufferPointer<UInt8>, at position: Int) -> Bool {
        let range = idRange(position)
        guard range.count == id.count else { return false }
        return idBytes.withUnsafeBytes { bytes in
            UTF8Bytes.equal(UnsafeRawBufferPointer(rebasing: bytes[range]), UnsafeRawBufferPointer(id))
        }
    }

    /// Applies `event` to the client at `position` (see `Engine.apply`).
    mutating func apply(
        _ event: StatusEvent,
        at time: Int64,
        to position: Int,
        addresses: inout TextCache
    ) -> (Engine.Transition, ConnectionLogEntry?) {
        Engine.apply(event, at: time, to: &fields[position], texts: &texts, addresses: &addresses)
    }

    /// Keeps the clients whose `moved` position is not negative, at that position (in order).
    mutating func compact(_ moved: [Int32], kept: Int) {
        var newFields: [ClientFields] = []
        var newBytes: [UInt8] = []
        var newEnds: [Int] = []
        var newStarts: [UInt16] = []
        var newOthers: [Int32: String] = [:]
        newFields.reserveCapacity(kept)
        newEnds.reserveCapacity(kept)
        newStarts.reserveCapacity(kept)
        for position in fields.indices {
            guard moved[position] >= 0 else {
                texts.release(fields[position].reasonTextID)
                texts.release(fields[position].protocolNameID)
                continue
            }
            newFields.append(fields[position])
            newBytes.append(contentsOf: idBytes[idRange(position)])
            newEnds.append(newBytes.count)
            newStarts.append(deviceStarts[position])
            if let other = otherDeviceIDs[Int32(position)] { newOthers[moved[position]] = other }
        }
        fields = newFields
        idBytes = newBytes
        idEnds = newEnds
        deviceStarts = newStarts
        otherDeviceIDs = newOthers
    }
}
