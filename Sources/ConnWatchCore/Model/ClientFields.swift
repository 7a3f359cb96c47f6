/// A client's state other than its ids: plain values and shared texts. The engine's client
/// table keeps one per client beside its id arena (see `ClientTable`); ``ClientState`` adds the
/// ids.
///
/// Stored compactly: the labels clients have in common are one shared reference, the texts many
/// clients share (reason, protocol) are ids into the table's `TextTable`, the largest fields come
/// first and the one-byte ones last, so no space is lost to padding: 120 bytes.
struct ClientFields: Sendable {
    /// `orgID`, `typeID`, `appID` and `broker`; a new one is made when one of them is set.
    var sharedLabels: SharedClientLabels
    var clientAddress: String?
    /// What the engine keeps of the connection log (the log itself is in the state store).
    var summary = ConnectionSummary()
    // The optional numbers are stored without the optional's extra byte (which pads each to 16
    // bytes): `Int64.min` stands for "none", a value no timestamp, sequence or reason code takes.
    private var storedConnectTime = Int64.min
    private var storedDisconnectTime = Int64.min
    private var storedActivityTime = Int64.min
    private var storedReasonCode = Int.min
    private var storedSequence = Int64.min
    /// In the engine's table: the reason text's and the protocol name's ids in its `TextTable`
    /// (0: none). Always 0 in a ``ClientState``, which holds the texts themselves.
    var reasonTextID: UInt32 = 0
    var protocolNameID: UInt32 = 0
    var clientType: ClientType
    var status: ConnectionStatus = .unknown
    var lastActivityEvent: StatusAction?
    /// Who closed the last connection.
    var disconnectedBy: DisconnectInitiator?
    var cause: DisconnectCause?

    init(clientType: ClientType, labels: SharedClientLabels) {
        self.clientType = clientType
        self.sharedLabels = labels
    }

    var lastConnectTime: Int64? {
        get { Self.optional(storedConnectTime) }
        set { storedConnectTime = newValue ?? .min }
    }

    var lastDisconnectTime: Int64? {
        get { Self.optional(storedDisconnectTime) }
        set { storedDisconnectTime = newValue ?? .min }
    }

    var lastActivityTime: Int64? {
        get { Self.optional(storedActivityTime) }
        set { storedActivityTime = newValue ?? .min }
    }

    var reasonCode: Int? {
        get { storedReasonCode == .min ? nil : storedReasonCode }
        set { storedReasonCode = newValue ?? .min }
    }

    /// The feed's ordering number of the last applied connect or disconnect, if it sends one.
    var lastSequence: Int64? {
        get { Self.optional(storedSequence) }
        set { storedSequence = newValue ?? .min }
    }

    var broker: String { sharedLabels.broker }

    @inline(__always)
    private static func optional(_ stored: Int64) -> Int64? { stored == .min ? nil : stored }

    mutating func relabel(
        orgID: String? = nil,
        typeID: String? = nil,
        appID: String? = nil,
        broker: String? = nil
    ) {
        sharedLabels = SharedClientLabels(
            orgID: orgID ?? sharedLabels.orgID,
            typeID: typeID ?? sharedLabels.typeID,
            appID: appID ?? sharedLabels.appID,
            broker: broker ?? sharedLabels.broker
        )
    }
}
