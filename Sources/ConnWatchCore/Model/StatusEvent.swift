/// What a monitor-topic message says happened to a client.
public enum StatusAction: UInt8, Sendable, Hashable, CaseIterable {
    /// The client connected.
    case connect
    /// The client's connection closed.
    case disconnect
    /// The client tried to connect and was refused (typically an authorisation failure).
    case failedConnect

    /// The platform's own name for the action (`Connect`, `Disconnect`, `FailedConnect`).
    public var name: String {
        switch self {
        case .connect: return "Connect"
        case .disconnect: return "Disconnect"
        case .failedConnect: return "FailedConnect"
        }
    }
}

/// The kind of MQTT client, as encoded in a Watson IoT client id or told by the feed.
public enum ClientType: UInt8, Sendable, Hashable, CaseIterable {
    case device
    case gateway
    case application
    case scalableApplication
    case unknown

    /// The label value rules match on (`device`, `gateway`, `application`, `scalable-application`, `unknown`).
    public var label: String {
        switch self {
        case .device: return "device"
        case .gateway: return "gateway"
        case .application: return "application"
        case .scalableApplication: return "scalable-application"
        case .unknown: return "unknown"
        }
    }

    /// Parses a label value back into a client type.
    public init?(label: String) {
        guard let match = Self.allCases.first(where: { $0.label == label }) else { return nil }
        self = match
    }
}

/// Who closed a connection.
public enum DisconnectInitiator: UInt8, Sendable, Hashable, CaseIterable {
    case client
    case server
    case network
    case unknown

    /// The label value (`client`, `server`, `network`, `unknown`).
    public var label: String {
        switch self {
        case .client: return "client"
        case .server: return "server"
        case .network: return "network"
        case .unknown: return "unknown"
        }
    }
}

/// The vendor-neutral reason a connection closed or a connect failed (`reference/FORMATS.md` §7).
public enum DisconnectCause: UInt8, Sendable, Hashable, CaseIterable {
    /// The client sent DISCONNECT: a normal, clean close.
    case clean
    /// Nothing arrived within the keep-alive interval.
    case keepAliveTimeout
    /// The socket closed without an MQTT DISCONNECT.
    case networkClosed
    /// Another connection with the same client id replaced this one; the client is still online.
    case sessionTakeover
    /// Authentication or authorisation failed.
    case auth
    /// An administrator closed the connection.
    case adminKick
    /// The server shut down or asked the client to go elsewhere.
    case serverShutdown
    /// A limit or throttle was hit.
    case limits
    /// The client broke the protocol.
    case protocolError
    /// The server failed.
    case serverFault
    /// A maximum connection time expired.
    case ttlExpiry
    /// A code connwatch does not know.
    case unknown

    /// The label value rules match on.
    public var label: String {
        switch self {
        case .clean: return "clean"
        case .keepAliveTimeout: return "keepalive_timeout"
        case .networkClosed: return "network_closed"
        case .sessionTakeover: return "session_takeover"
        case .auth: return "auth"
        case .adminKick: return "admin_kick"
        case .serverShutdown: return "server_shutdown"
        case .limits: return "limits"
        case .protocolError: return "protocol_error"
        case .serverFault: return "server_fault"
        case .ttlExpiry: return "ttl_expiry"
        case .unknown: return "unknown"
        }
    }
}

/// One connection-status event, decoded from any monitor-topic format.
///
/// Times are integer milliseconds since the Unix epoch. Every optional field is `nil` when the
/// feed did not carry it.
public struct StatusEvent: Sendable, Equatable {
    public var action: StatusAction
    /// The full MQTT client id (`d:org:type:device`, `a:org:app`, or a plain id for other feeds).
    public var clientID: String
    public var clientType: ClientType
    /// Organisation id (Watson IoT), empty when the feed has none.
    public var orgID: String
    /// Device or gateway type id, empty for applications.
    public var typeID: String
    /// Device or gateway id, empty for applications.
    public var deviceID: String
    /// Application id, empty for devices and gateways.
    public var appID: String
    /// When the feed says the event happened.
    public var time: Int64
    /// When the (now closing) connection began, if the feed says.
    public var connectTime: Int64?
    /// The feed's native reason code (Watson CloseCode, MQTT reason code). `nil` for connects.
    public var reasonCode: Int?
    /// The feed's reason text.
    public var reasonText: String?
    /// Normalised cause; `nil` for connects.
    public var cause: DisconnectCause?
    /// Who closed the connection; `nil` for connects.
    public var initiator: DisconnectInitiator?
    /// Protocol as the feed names it (`mqtt4`, `mqtt5`, `mqtt4-ws`, or any other text it sends).
    public var protocolName: String?
    public var clientAddress: String?
    public var port: Int?
    public var secure: Bool?
    public var user: String?
    /// The message was a retained one (delivered at subscribe time, describing an older state).
    public var retained: Bool
    /// A per-client ordering number from the feed, if it has one (AWS IoT `versionNumber`: a
    /// connect and its disconnect share the value, the next connect has a higher one). Used to
    /// order and de-duplicate events whose timestamps are too coarse.
    public var sequence: Int64?

    public init(
        action: StatusAction,
        clientID: String,
        clientType: ClientType = .unknown,
        orgID: String = "",
        typeID: String = "",
        deviceID: String = "",
        appID: String = "",
        time: Int64,
        connectTime: Int64? = nil,
        reasonCode: Int? = nil,
        reasonText: String? = nil,
        cause: DisconnectCause? = nil,
        initiator: DisconnectInitiator? = nil,
        protocolName: String? = nil,
        clientAddress: String? = nil,
        port: Int? = nil,
        secure: Bool? = nil,
        user: String? = nil,
        retained: Bool = false,
        sequence: Int64? = nil
    ) {
        self.action = action
        self.clientID = clientID
        self.clientType = clientType
        self.orgID = orgID
        self.typeID = typeID
        self.deviceID = deviceID
        self.appID = appID
        self.time = time
        self.connectTime = connectTime
        self.reasonCode = reasonCode
        self.reasonText = reasonText
        self.cause = cause
        self.initiator = initiator
        self.protocolName = protocolName
        self.clientAddress = clientAddress
        self.port = port
        self.secure = secure
        self.user = user
        self.retained = retained
        self.sequence = sequence
    }
}

/// What a decoder makes of one message.
public enum DecodeOutcome: Sendable, Equatable {
    /// A status event.
    case event(StatusEvent)
    /// An empty retained payload: the retained status on `topic` was removed. Not a state change.
    case topicCleared(topic: String)
}

/// Why a monitor-topic message could not be decoded. Never fatal: the message is counted and skipped.
public struct DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The topic does not have the shape the format expects.
        case unknownTopic
        /// The payload is empty (and not a retained clear).
        case emptyPayload
        /// The payload exceeds the decoder's size limit.
        case payloadTooLarge
        /// The payload is not valid UTF-8.
        case invalidUTF8
        /// The payload is not well-formed JSON.
        case malformedJSON
        /// A required field is missing.
        case missingField
        /// A field has the wrong JSON type.
        case wrongType
        /// A field has a value the format does not allow.
        case invalidValue
    }

    public var code: Code
    /// The field concerned, if any.
    public var field: String?
    /// Byte offset into the payload where the problem was found, if known.
    public var offset: Int?
    /// A short human-readable explanation.
    public var detail: String

    public init(_ code: Code, field: String? = nil, offset: Int? = nil, detail: String) {
        self.code = code
        self.field = field
        self.offset = offset
        self.detail = detail
    }

    public var description: String {
        var text = detail
        if let field { text += " (field \(field))" }
        if let offset { text += " at byte \(offset)" }
        return text
    }
}
