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

/// Kinds of receiver.
public enum ReceiverType: String, Sendable, CaseIterable {
    /// Alertmanager-compatible webhook JSON (payload version 4).
    case webhook
}

/// Where notifications go.
public struct ReceiverConfig: Sendable, Equatable {
    public var name: String
    public var type: ReceiverType
    /// The endpoint URL; exactly one of `url` and `urlFile` is set.
    public var url: String?
    /// A file holding the URL (a secret), read at start and on reload.
    public var urlFile: String?
    public var timeout: Int64
    public var sendResolved: Bool
    public var headers: [HTTPHeaderConfig]
    /// Give up retrying a notification after this long.
    public var maxRetryDuration: Int64

    public init(
        name: String,
        type: ReceiverType = .webhook,
        url: String? = nil,
        urlFile: String? = nil,
        timeout: Int64 = 10_000,
        sendResolved: Bool = true,
        headers: [HTTPHeaderConfig] = [],
        maxRetryDuration: Int64 = 3_600_000
    ) {
        self.name = name
        self.type = type
        self.url = url
        self.urlFile = urlFile
        self.timeout = timeout
        self.sendResolved = sendResolved
        self.headers = headers
        self.maxRetryDuration = maxRetryDuration
    }
}

/// One extra HTTP header a receiver sends.
public struct HTTPHeaderConfig: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// Settings every rule and receiver falls back to.
public struct DefaultsConfig: Sendable, Equatable {
    public var startupGrace: Int64
    public var receivers: [String]
    public var connectionLogSize: Int

    public init(startupGrace: Int64 = 60_000, receivers: [String] = [], connectionLogSize: Int = 20) {
        self.startupGrace = startupGrace
        self.receivers = receivers
        self.connectionLogSize = connectionLogSize
    }
}

/// The whole configuration file, validated.
public struct ConnWatchConfig: Sendable, Equatable {
    public var brokers: [BrokerConfig]
    public var defaults: DefaultsConfig
    public var receivers: [ReceiverConfig]
    public var offlineRules: [OfflineRule]

    public init(
        brokers: [BrokerConfig] = [],
        defaults: DefaultsConfig = DefaultsConfig(),
        receivers: [ReceiverConfig] = [],
        offlineRules: [OfflineRule] = []
    ) {
        self.brokers = brokers
        self.defaults = defaults
        self.receivers = receivers
        self.offlineRules = offlineRules
    }

    /// The engine's part of the configuration.
    public var engine: EngineConfiguration {
        EngineConfiguration(
            offlineRules: offlineRules,
            startupGrace: defaults.startupGrace,
            logCapacity: defaults.connectionLogSize
        )
    }

    /// The receivers an alert of `rule` goes to.
    public func receivers(for alert: Alert) -> [ReceiverConfig] {
        let names = alert.receivers.isEmpty ? defaults.receivers : alert.receivers
        return names.compactMap { name in receivers.first { $0.name == name } }
    }
}
