/// A monitor-topic format connwatch can decode.
public enum FeedFormat: String, Sendable, CaseIterable {
    case watsonIoT = "watson-iot"
}

/// One topic filter of a broker, with the format of its messages.
public struct SubscriptionConfig: Sendable, Equatable {
    public var topic: String
    public var format: FeedFormat
    public var qos: Int

    public init(topic: String, format: FeedFormat, qos: Int = 1) {
        self.topic = topic
        self.format = format
        self.qos = qos
    }
}

/// TLS settings for an `mqtts://` broker.
public struct BrokerTLSConfig: Sendable, Equatable {
    public var caFile: String?
    public var caPath: String?
    public var certFile: String?
    public var keyFile: String?

    public init(caFile: String? = nil, caPath: String? = nil, certFile: String? = nil, keyFile: String? = nil) {
        self.caFile = caFile
        self.caPath = caPath
        self.certFile = certFile
        self.keyFile = keyFile
    }
}

/// One broker connection.
public struct BrokerConfig: Sendable, Equatable {
    public var name: String
    public var host: String
    public var port: Int
    /// `nil` for plain `mqtt://`.
    public var tls: BrokerTLSConfig?
    /// Fixed client id (needed for a persistent session); `nil` lets the library pick one.
    public var clientID: String?
    public var cleanSession: Bool
    /// 4 for MQTT 3.1.1, 5 for MQTT 5.
    public var protocolVersion: Int
    public var keepAlive: Int64
    public var username: String?
    public var passwordFile: String?
    public var subscriptions: [SubscriptionConfig]

    public init(
        name: String,
        host: String,
        port: Int,
        tls: BrokerTLSConfig? = nil,
        clientID: String? = nil,
        cleanSession: Bool = false,
        protocolVersion: Int = 5,
        keepAlive: Int64 = 30_000,
        username: String? = nil,
        passwordFile: String? = nil,
        subscriptions: [SubscriptionConfig]
    ) {
        self.name = name
        self.host = host
        self.port = port
        self.tls = tls
        self.clientID = clientID
        self.cleanSession = cleanSession
        self.protocolVersion = protocolVersion
        self.keepAlive = keepAlive
        self.username = username
        self.passwordFile = passwordFile
        self.subscriptions = subscriptions
    }
}
