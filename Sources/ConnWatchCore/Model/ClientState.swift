/// A client's connection status in the platform's connection-state model.
public enum ConnectionStatus: UInt8, Sendable, Hashable {
    case connected
    case disconnected
    case unknown

    /// The platform API's value (`connected`, `disconnected`, `unknown`).
    public var label: String {
        switch self {
        case .connected: return "connected"
        case .disconnected: return "disconnected"
        case .unknown: return "unknown"
        }
    }
}

/// One line of a client's connection log.
public struct ConnectionLogEntry: Sendable, Equatable {
    public var action: StatusAction
    public var time: Int64
    public var reasonCode: Int?
    public var reasonText: String?
    public var cause: DisconnectCause?
    public var initiator: DisconnectInitiator?
    public var clientAddress: String?
    /// `false` when the event was older than the state it arrived into and changed nothing.
    public var applied: Bool

    /// An entry with every field given.
    public init(
        action: StatusAction,
        time: Int64,
        reasonCode: Int? = nil,
        reasonText: String? = nil,
        cause: DisconnectCause? = nil,
        initiator: DisconnectInitiator? = nil,
        clientAddress: String? = nil,
        applied: Bool = true
    ) {
        self.action = action
        self.time = time
        self.reasonCode = reasonCode
        self.reasonText = reasonText
        self.cause = cause
        self.initiator = initiator
        self.clientAddress = clientAddress
        self.applied = applied
    }

    /// The entry recording `event`.
    public init(event: StatusEvent, applied: Bool) {
        self.action = event.action
        self.time = event.time
        self.reasonCode = event.reasonCode
        self.reasonText = event.reasonText
        self.cause = event.cause
        self.initiator = event.initiator
        self.clientAddress = event.clientAddress
        self.applied = applied
    }
}

/// The last `capacity` connection events of one client, oldest first. Memory stays bounded.
///
/// Entries are kept in a compact form (48 bytes: the texts, the time, the reason code and the
/// small enums packed into one word) in a ring buffer; ``entries`` rebuilds the public
/// ``ConnectionLogEntry`` values.
public struct ConnectionLog: Sendable {
    /// One entry as stored.
    struct Packed: Sendable {
        var time: Int64
        var reasonText: String?
        var clientAddress: String?
        /// The reason code when it fits in 32 bits (see `flags`).
        var code: Int32
        var action: UInt8
        /// `DisconnectCause.rawValue`, or `Packed.none`.
        var cause: UInt8
        /// `DisconnectInitiator.rawValue`, or `Packed.none`.
        var initiator: UInt8
        /// `applied`, `hasCode`, `wideCode` bits.
        var flags: UInt8

        static let none: UInt8 = 0xFF
        static let applied: UInt8 = 1
        static let hasCode: UInt8 = 2
        /// The code does not fit in `code`: it is in the log's `wideCodes`, keyed by ring slot.
        static let wideCode: UInt8 = 4
    }

    private var storage: [Packed] = []
    private var head: Int32 = 0
    private var storedCapacity: Int32
    /// Reason codes beyond 32 bits, by ring slot (almost always `nil`).
    private var wideCodes: [Int32: Int]?

    /// How many entries the log keeps.
    public var capacity: Int { Int(storedCapacity) }

    public init(capacity: Int) {
        self.storedCapacity = Int32(clamping: max(capacity, 0))
    }

    /// Makes room for `count` entries (at most the capacity) in one allocation.
    public mutating func reserve(_ count: Int) {
        storage.reserveCapacity(min(count, Int(storedCapacity)))
    }

    /// Adds an entry, dropping the oldest once the log is full.
    public mutating func append(_ entry: ConnectionLogEntry) {
        guard storedCapacity > 0 else { return }
        let slot: Int32 = storage.count < Int(storedCapacity) ? Int32(storage.count) : head
        var flags: UInt8 = entry.applied ? Packed.applied : 0
        var code: Int32 = 0
        if let reasonCode = entry.reasonCode {
            flags |= Packed.hasCode
            if let narrow = Int32(exactly: reasonCode) {
                code = narrow
            } else {
                flags |= Packed.wideCode
                wideCodes = wideCodes ?? [:]
                wideCodes?[slot] = reasonCode
            }
        }
        if flags & Packed.wideCode == 0, wideCodes?[slot] != nil {
            wideCodes?[slot] = nil
            if wideCodes?.isEmpty == true { wideCodes = nil }
        }
        let packed = Packed(
            time: entry.time,
            reasonText: entry.reasonText,
            clientAddress: entry.clientAddress,
            code: code,
            action: entry.action.rawValue,
            cause: entry.cause?.rawValue ?? Packed.none,
            initiator: entry.initiator?.rawValue ?? Packed.none,
            flags: flags
        )
        if storage.count < Int(storedCapacity) {
            storage.append(packed)
        } else {
            storage[Int(head)] = packed
            head = (head + 1) % storedCapacity
        }
    }

    private func unpack(_ slot: Int) -> ConnectionLogEntry {
        let packed = storage[slot]
        var reasonCode: Int?
        if packed.flags & Packed.hasCode != 0 {
            reasonCode = packed.flags & Packed.wideCode != 0 ? wideCodes?[Int32(slot)] : Int(packed.code)
        }
        return ConnectionLogEntry(
            action: StatusAction(rawValue: packed.action) ?? .connect,
            time: packed.time,
            reasonCode: reasonCode,
            reasonText: packed.reasonText,
            cause: DisconnectCause(rawValue: packed.cause),
            initiator: DisconnectInitiator(rawValue: packed.initiator),
            clientAddress: packed.clientAddress,
            applied: packed.flags & Packed.applied != 0
        )
    }

    /// The entries, oldest first.
    public var entries: [ConnectionLogEntry] {
        var result: [ConnectionLogEntry] = []
        result.reserveCapacity(storage.count)
        let start = storage.count == Int(storedCapacity) ? Int(head) : 0
        for offset in 0..<storage.count {
            result.append(unpack((start + offset) % storage.count))
        }
        return result
    }

    public var count: Int { storage.count }

    /// The entry appended last, or `nil` when the log is empty.
    public var newest: ConnectionLogEntry? {
        guard !storage.isEmpty else { return nil }
        return unpack(
            storage.count == Int(storedCapacity) ? (Int(head) + storage.count - 1) % storage.count : storage.count - 1
        )
    }

    /// When the client's latest run of applied `action` entries (connects or disconnects) began:
    /// the earliest of the applied `action` entries after the newest applied entry of the other
    /// status (`connect` ⇄ `disconnect`), or `nil` when the newest status entry is not `action`.
    /// A disconnect repeated while offline leaves the offline clocks running from the first one,
    /// so a restore starts them from here, not from the last disconnect.
    public func latestRunBegan(_ action: StatusAction) -> Int64? {
        guard action != .failedConnect, !storage.isEmpty else { return nil }
        let newestSlot = storage.count == Int(storedCapacity) ? Int(head) + storage.count - 1 : storage.count - 1
        var began: Int64?
        for back in 0..<storage.count {
            let packed = storage[(newestSlot - back) % storage.count]
            guard packed.flags & Packed.applied != 0, packed.action != StatusAction.failedConnect.rawValue else {
                continue
            }
            guard packed.action == action.rawValue else { break }
            began = min(began ?? packed.time, packed.time)
        }
        return began
    }

    /// The time of the oldest entry kept.
    public var oldestTime: Int64? {
        guard !storage.isEmpty else { return nil }
        return storage[storage.count == Int(storedCapacity) ? Int(head) : 0].time
    }
}

/// The labels many clients have in common (organisation, type, application, broker), stored
/// once and shared by reference (see ``ClientState``).
final class SharedClientLabels: Sendable {
    let orgID: String
    let typeID: String
    let appID: String
    let broker: String

    init(orgID: String, typeID: String, appID: String, broker: String) {
        self.orgID = orgID
        self.typeID = typeID
        self.appID = appID
        self.broker = broker
    }

    /// What makes two label sets the same.
    struct Key: Hashable {
        var orgID: String
        var typeID: String
        var appID: String
        var broker: String
    }

    var key: Key { Key(orgID: orgID, typeID: typeID, appID: appID, broker: broker) }
}

/// Everything connwatch knows about one client: its ids, its shared texts and its
/// ``ClientFields``.
///
/// The engine keeps the ids apart (in its table's id arena), the shared texts as ids and the
/// fields as they are; a `ClientState` is what it hands out (to the API, the store, the rules'
/// matchers).
public struct ClientState: Sendable {
    public var clientID: String
    public var deviceID: String
    public var reasonText: String?
    public var protocolName: String?
    /// Everything else.
    var fields: ClientFields

    public var clientAddress: String? {
        get { fields.clientAddress }
        set { fields.clientAddress = newValue }
    }

    /// What the engine keeps of the connection log (the log itself is in the state store).
    public var summary: ConnectionSummary {
        get { fields.summary }
        set { fields.summary = newValue }
    }

    public var clientType: ClientType {
        get { fields.clientType }
        set { fields.clientType = newValue }
    }

    public var status: ConnectionStatus {
        get { fields.status }
        set { fields.status = newValue }
    }

    public var lastActivityEvent: StatusAction? {
        get { fields.lastActivityEvent }
        set { fields.lastActivityEvent = newValue }
    }

    /// Who closed the last connection.
    public var disconnectedBy: DisconnectInitiator? {
        get { fields.disconnectedBy }
        set { fields.disconnectedBy = newValue }
    }

    public var cause: DisconnectCause? {
        get { fields.cause }
        set { fields.cause = newValue }
    }

    public var lastConnectTime: Int64? {
        get { fields.lastConnectTime }
        set { fields.lastConnectTime = newValue }
    }

    public var lastDisconnectTime: Int64? {
        get { fields.lastDisconnectTime }
        set { fields.lastDisconnectTime = newValue }
    }

    public var lastActivityTime: Int64? {
        get { fields.lastActivityTime }
        set { fields.lastActivityTime = newValue }
    }

    public var reasonCode: Int? {
        get { fields.reasonCode }
        set { fields.reasonCode = newValue }
    }

    /// The feed's ordering number of the last applied connect or disconnect, if it sends one.
    public var lastSequence: Int64? {
        get { fields.lastSequence }
        set { fields.lastSequence = newValue }
    }

    /// `orgID`, `typeID`, `appID` and `broker`; a new one is made when one of them is set.
    var sharedLabels: SharedClientLabels {
        get { fields.sharedLabels }
        set { fields.sharedLabels = newValue }
    }

    public var orgID: String {
        get { fields.sharedLabels.orgID }
        set { fields.relabel(orgID: newValue) }
    }

    public var typeID: String {
        get { fields.sharedLabels.typeID }
        set { fields.relabel(typeID: newValue) }
    }

    public var appID: String {
        get { fields.sharedLabels.appID }
        set { fields.relabel(appID: newValue) }
    }

    /// The broker (configured name) whose feed reported the client.
    public var broker: String {
        get { fields.sharedLabels.broker }
        set { fields.relabel(broker: newValue) }
    }

    public init(event: StatusEvent, broker: String) {
        self.clientID = event.clientID
        self.deviceID = event.deviceID
        self.fields = ClientFields(
            clientType: event.clientType,
            labels: SharedClientLabels(orgID: event.orgID, typeID: event.typeID, appID: event.appID, broker: broker)
        )
    }

    /// A client with no state yet, its label set shared through `labels` with the clients made
    /// before it (a store's rows: many clients, few label sets).
    public init(
        clientID: String,
        clientType: ClientType,
        orgID: String,
        typeID: String,
        deviceID: String,
        appID: String,
        broker: String,
        labels: inout SharedLabelsCache
    ) {
        self.clientID = clientID
        self.deviceID = deviceID
        self.fields = ClientFields(
            clientType: clientType,
            labels: labels.shared(
                SharedClientLabels.Key(orgID: orgID, typeID: typeID, appID: appID, broker: broker)
            )
        )
    }

    /// The client `clientID` (device `deviceID`) with its texts and `fields` (whose text ids are
    /// cleared: a `ClientState` holds the texts themselves).
    init(clientID: String, deviceID: String, reasonText: String?, protocolName: String?, fields: ClientFields) {
        self.clientID = clientID
        self.deviceID = deviceID
        self.reasonText = reasonText
        self.protocolName = protocolName
        self.fields = fields
        self.fields.reasonTextID = 0
        self.fields.protocolNameID = 0
    }
}
