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
public struct ConnectionLog: Sendable {
    public let capacity: Int
    private var storage: [ConnectionLogEntry] = []
    private var head = 0

    public init(capacity: Int) {
        self.capacity = max(capacity, 0)
    }

    /// Adds an entry, dropping the oldest once the log is full.
    public mutating func append(_ entry: ConnectionLogEntry) {
        guard capacity > 0 else { return }
        if storage.count < capacity {
            storage.append(entry)
        } else {
            storage[head] = entry
            head = (head + 1) % capacity
        }
    }

    /// The entries, oldest first.
    public var entries: [ConnectionLogEntry] {
        guard storage.count == capacity, head != 0 else { return storage }
        return Array(storage[head...] + storage[..<head])
    }

    public var count: Int { storage.count }
}

/// Everything connwatch knows about one client.
public struct ClientState: Sendable {
    public var clientID: String
    public var clientType: ClientType
    public var orgID: String
    public var typeID: String
    public var deviceID: String
    public var appID: String
    /// The broker (configured name) whose feed reported the client.
    public var broker: String
    public var status: ConnectionStatus
    public var lastConnectTime: Int64?
    public var lastDisconnectTime: Int64?
    public var lastActivityEvent: StatusAction?
    public var lastActivityTime: Int64?
    /// Who closed the last connection.
    public var disconnectedBy: DisconnectInitiator?
    public var reasonCode: Int?
    public var reasonText: String?
    public var cause: DisconnectCause?
    public var protocolName: String?
    public var clientAddress: String?
    /// The feed's ordering number of the last applied connect or disconnect, if it sends one.
    public var lastSequence: Int64?
    public var log: ConnectionLog

    public init(event: StatusEvent, broker: String, logCapacity: Int) {
        self.clientID = event.clientID
        self.clientType = event.clientType
        self.orgID = event.orgID
        self.typeID = event.typeID
        self.deviceID = event.deviceID
        self.appID = event.appID
        self.broker = broker
        self.status = .unknown
        self.log = ConnectionLog(capacity: logCapacity)
    }
}
