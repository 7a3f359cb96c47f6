/// The MQTT protocol version a ``MosquittoClient`` speaks.
public enum MQTTProtocolVersion: Sendable, Hashable {
    /// MQTT 3.1.1; a persistent session is `clean_session = false` with a fixed client id.
    case v311
    /// MQTT 5; a persistent session also sends the Session Expiry Interval property.
    case v5
}

/// One topic filter to subscribe to on every (re)connect.
public struct MQTTSubscription: Sendable, Hashable {
    /// The topic filter, wildcards allowed (`$SYS/#`, `iot-2/type/+/id/+/mon`).
    public var filter: String
    /// The maximum QoS requested for this filter (0, 1 or 2).
    public var qos: Int

    /// Creates a subscription for `filter` at `qos` (default 1).
    public init(filter: String, qos: Int = 1) {
        self.filter = filter
        self.qos = qos
    }
}

/// TLS settings, passed to `mosquitto_tls_set` and `mosquitto_tls_insecure_set`.
public struct MQTTTLSOptions: Sendable, Hashable {
    /// PEM file with the trusted CA certificates.
    public var caFile: String?
    /// Directory with trusted CA certificates (hashed names, see `openssl rehash`).
    public var caPath: String?
    /// PEM client certificate, for mutual TLS.
    public var certFile: String?
    /// PEM private key of `certFile` (unencrypted).
    public var keyFile: String?
    /// Skip the host name check of the server certificate. Never in production.
    public var insecure: Bool

    /// Creates TLS settings; at least one of `caFile` and `caPath` must be set.
    public init(
        caFile: String? = nil,
        caPath: String? = nil,
        certFile: String? = nil,
        keyFile: String? = nil,
        insecure: Bool = false
    ) {
        self.caFile = caFile
        self.caPath = caPath
        self.certFile = certFile
        self.keyFile = keyFile
        self.insecure = insecure
    }
}

/// Everything a ``MosquittoClient`` needs to connect, subscribe and reconnect.
public struct MQTTClientOptions: Sendable {
    /// Broker host name or address.
    public var host: String
    /// Broker TCP port.
    public var port: Int
    /// Client id; `nil` lets libmosquitto choose a random one and forces a clean session.
    public var clientID: String?
    /// Start a clean session on connect. Defaults to `false` when a client id is set, `true` otherwise;
    /// ignored (always clean) without a client id. The default follows `clientID` until this is set.
    public var cleanSession: Bool {
        get { cleanSessionSetting ?? (clientID == nil) }
        set { cleanSessionSetting = newValue }
    }
    private var cleanSessionSetting: Bool?
    /// MQTT protocol version.
    public var protocolVersion: MQTTProtocolVersion
    /// MQTT 5 Session Expiry Interval in seconds, sent when the session is persistent (default one day).
    public var sessionExpiry: UInt32
    /// Keep-alive interval in seconds (default 30).
    public var keepAlive: Int
    /// User name for authentication.
    public var username: String?
    /// Password for authentication (only sent with a user name).
    public var password: String?
    /// Filters subscribed on every successful connect.
    public var subscriptions: [MQTTSubscription]
    /// Smallest delay between reconnect attempts (default 1 s).
    public var reconnectDelayMin: Duration
    /// Largest delay between reconnect attempts (default 30 s).
    public var reconnectDelayMax: Duration
    /// TLS settings; `nil` for plain TCP.
    public var tls: MQTTTLSOptions?

    /// Creates options with the defaults described on each property.
    public init(
        host: String,
        port: Int = 1883,
        clientID: String? = nil,
        cleanSession: Bool? = nil,
        protocolVersion: MQTTProtocolVersion = .v311,
        sessionExpiry: UInt32 = 86_400,
        keepAlive: Int = 30,
        username: String? = nil,
        password: String? = nil,
        subscriptions: [MQTTSubscription] = [],
        reconnectDelayMin: Duration = .seconds(1),
        reconnectDelayMax: Duration = .seconds(30),
        tls: MQTTTLSOptions? = nil
    ) {
        self.host = host
        self.port = port
        self.clientID = clientID
        self.cleanSessionSetting = cleanSession
        self.protocolVersion = protocolVersion
        self.sessionExpiry = sessionExpiry
        self.keepAlive = keepAlive
        self.username = username
        self.password = password
        self.subscriptions = subscriptions
        self.reconnectDelayMin = reconnectDelayMin
        self.reconnectDelayMax = reconnectDelayMax
        self.tls = tls
    }
}
