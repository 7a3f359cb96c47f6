/// `GET /api/v0002/logs/connection`: one client's connection log, newest first, as the platform's
/// `LogEntry` objects (`timestamp`, `message`) with connwatch's structured fields beside them.
public struct ConnectionLogQuery: Sendable, Equatable {
    /// The parameters the endpoint accepts.
    public static let parameters = ["typeId", "deviceId", "clientId", "limit", "offset", "fromTime", "toTime"]
    /// The default number of entries.
    public static let defaultLimit = 20
    /// The most entries one call returns.
    public static let maximumLimit = 1000

    /// Which client: its full id, or its type and device id.
    public enum Target: Sendable, Equatable {
        case clientID(String)
        case device(typeID: String, deviceID: String)
    }

    public var target: Target
    public var limit = Self.defaultLimit
    public var offset = 0
    /// Inclusive.
    public var fromTime: Int64?
    /// Inclusive.
    public var toTime: Int64?

    public init(target: Target) {
        self.target = target
    }

    /// Reads the query string; every bad or unknown parameter is a 400 naming it.
    public init(_ parameters: QueryParameters) throws(APIError) {
        try parameters.requireKnown(Self.parameters)
        let clientID = try parameters.value("clientId")
        let typeID = try parameters.value("typeId")
        let deviceID = try parameters.value("deviceId")
        if let clientID {
            guard typeID == nil && deviceID == nil else {
                throw .badParameter("clientId", "give clientId or typeId and deviceId, not both")
            }
            guard !clientID.isEmpty else { throw .badParameter("clientId", "must not be empty") }
            target = .clientID(clientID)
        } else {
            guard let typeID, !typeID.isEmpty else {
                throw .badParameter("typeId", "name the client: clientId, or typeId and deviceId")
            }
            guard let deviceID, !deviceID.isEmpty else {
                throw .badParameter("deviceId", "name the client: clientId, or typeId and deviceId")
            }
            target = .device(typeID: typeID, deviceID: deviceID)
        }
        limit = try parameters.int("limit", in: 1...Self.maximumLimit, default: Self.defaultLimit)
        offset = try parameters.int("offset", in: 0...100_000, default: 0)
        fromTime = try parameters.time("fromTime")
        toTime = try parameters.time("toTime")
        if let fromTime, let toTime, toTime < fromTime {
            throw .badParameter("toTime", "must not be before fromTime")
        }
    }

    /// The client the query names: by its id through `lookup`, or by type and device id through
    /// `deviceLookup`.
    public func find(
        byID lookup: (String) -> ClientState?,
        byDevice deviceLookup: (_ typeID: String, _ deviceID: String) -> ClientState?
    ) -> ClientState? {
        switch target {
        case .clientID(let id): return lookup(id)
        case .device(let typeID, let deviceID): return deviceLookup(typeID, deviceID)
        }
    }

    /// The entries of a client's log (`log`, oldest first) the query selects, newest first.
    public func entries(of log: [ConnectionLogEntry]) -> [ConnectionLogEntry] {
        let selected = log.reversed().filter { entry in
            if let fromTime, entry.time < fromTime { return false }
            if let toTime, entry.time > toTime { return false }
            return true
        }
        return Array(selected.dropFirst(offset).prefix(limit))
    }

    /// The JSON array the endpoint answers.
    public static func render(_ entries: [ConnectionLogEntry], clientID: String) -> APIResponse {
        var writer = JSONWriter()
        writer.beginArray()
        for entry in entries {
            writer.beginObject()
            writer.field("timestamp", Timestamp.formatISO8601(milliseconds: entry.time))
            writer.field("message", message(entry, clientID: clientID))
            writer.field("clientId", clientID)
            writer.field("action", entry.action.name)
            writer.key("applied")
            writer.bool(entry.applied)
            if let initiator = entry.initiator { writer.field("disconnectedBy", initiator.label) }
            if let code = entry.reasonCode { writer.field("reasonCode", Int64(code)) }
            if let text = entry.reasonText { writer.field("reason", text) }
            if let cause = entry.cause { writer.field("cause", cause.label) }
            if let address = entry.clientAddress { writer.field("clientAddress", address) }
            writer.endObject()
        }
        writer.endArray()
        return .json(writer)
    }

    /// A sentence for people: what happened, from where, why.
    public static func message(_ entry: ConnectionLogEntry, clientID: String) -> String {
        var text: String
        switch entry.action {
        case .connect: text = "Connected: ClientID='\(clientID)'"
        case .failedConnect: text = "Connect failed: ClientID='\(clientID)'"
        case .disconnect:
            text = "Closed connection: ClientID='\(clientID)'"
            if let initiator = entry.initiator, initiator != .unknown { text += ", closed by the \(initiator.label)" }
        }
        if let address = entry.clientAddress { text += ", ClientIP=\(address)" }
        var why: [String] = []
        if let reason = entry.reasonText, !reason.isEmpty { why.append(reason) }
        if let cause = entry.cause { why.append("cause \(cause.label)") }
        if let code = entry.reasonCode { why.append("code \(code)") }
        if !why.isEmpty { text += ". " + why.joined(separator: "; ") }
        if !entry.applied { text += " (arrived out of order; state not changed)" }
        return text
    }
}
