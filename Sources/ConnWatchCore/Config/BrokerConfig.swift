/// A monitor-topic format connwatch can decode.
public enum FeedFormat: String, Sendable, CaseIterable {
    /// IBM Watson IoT monitor topics (`iot-2/type/+/id/+/mon`, `iot-2/app/+/mon`).
    case watsonIoT = "watson-iot"
    /// AWS IoT Core lifecycle events (`$aws/events/presence/+/+`).
    case awsIoT = "aws-iot"
    /// EMQX system topics (`$SYS/brokers/+/clients/+/connected|disconnected`).
    case emqx
    /// A configurable Last-Will convention (``LWTOptions``).
    case lwt
    /// Tasmota `tele/<topic>/LWT` (`Online`/`Offline`).
    case tasmota
    /// Homie `$state` (v3/v4 and v5) and v2 `$online`.
    case homie
    /// Zigbee2MQTT `bridge/state` and `<device>/availability`.
    case zigbee2mqtt
    /// Sparkplug B `NBIRTH`/`NDEATH`/`DBIRTH`/`DDEATH` and `STATE`.
    case sparkplug
}

/// One topic filter of a broker, with the format of its messages.
public struct SubscriptionConfig: Sendable, Equatable {
    public var topic: String
    public var format: FeedFormat
    public var qos: Int
    /// The Last-Will settings; set for format `lwt` only.
    public var lwt: LWTOptions?

    public init(topic: String, format: FeedFormat, qos: Int = 1, lwt: LWTOptions? = nil) {
        self.topic = topic
        self.format = format
        self.qos = qos
        self.lwt = lwt
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

/// How the `lwt` format reads a Last-Will style status topic.
public struct LWTOptions: Sendable, Equatable {
    /// One level of a ``ClientIDSource/pattern(_:)``.
    public enum PatternLevel: Sendable, Equatable {
        /// This exact text.
        case literal(String)
        /// Any one level (`+`).
        case any
        /// The rest of the topic, zero or more levels (`#`, last only).
        case rest
        /// One level that is the client id (`{client_id}`).
        case clientID
    }

    /// Where the client id is in the topic.
    public enum ClientIDSource: Sendable, Equatable {
        /// The topic level with this 1-based number (`tele/kitchen/LWT` with 2 → `kitchen`).
        case level(Int)
        /// A topic pattern such as `tele/{client_id}/LWT`; topics that do not match are unknown.
        case pattern([PatternLevel])
    }

    /// Where the client id is in the topic.
    public var clientID: ClientIDSource
    /// Payloads meaning "connected", compared case-insensitively (default `online`).
    public var online: [String]
    /// Payloads meaning "gone without saying goodbye" (a Will): cause `network_closed` (default `offline`).
    public var offline: [String]
    /// Payloads meaning a clean, announced disconnect: cause `clean` (default none).
    public var cleanOffline: [String]
    /// When set, the payload is a JSON object and this top-level field holds the state (a string, or a
    /// boolean: `true` online, `false` offline).
    public var jsonField: String?

    /// Creates options; the string lists are compared case-insensitively.
    public init(
        clientID: ClientIDSource,
        online: [String] = ["online"],
        offline: [String] = ["offline"],
        cleanOffline: [String] = [],
        jsonField: String? = nil
    ) {
        self.clientID = clientID
        self.online = online
        self.offline = offline
        self.cleanOffline = cleanOffline
        self.jsonField = jsonField
    }

    /// Parses a topic pattern: MQTT filter syntax plus exactly one `{client_id}` level.
    /// Returns the levels or a problem text.
    public static func parsePattern(_ text: String) -> Result<[PatternLevel], LWTPatternError> {
        let parts = TopicLevels.split(text)
        var levels: [PatternLevel] = []
        var captures = 0
        for (position, part) in parts.enumerated() {
            if TopicLevels.equal(part, "{client_id}") {
                captures += 1
                levels.append(.clientID)
            } else if TopicLevels.equal(part, "+") {
                levels.append(.any)
            } else if TopicLevels.equal(part, "#") {
                guard position == parts.count - 1 else {
                    return .failure(LWTPatternError(message: "'#' must be the last level of topic_pattern '\(text)'"))
                }
                levels.append(.rest)
            } else if part.unicodeScalars.contains(where: { "+#{}".unicodeScalars.contains($0) }) {
                return .failure(
                    LWTPatternError(message: "topic_pattern level '\(part)' must be text, '+', '#' or '{client_id}'")
                )
            } else {
                levels.append(.literal(String(part)))
            }
        }
        guard captures == 1 else {
            return .failure(LWTPatternError(message: "topic_pattern '\(text)' needs exactly one {client_id} level"))
        }
        return .success(levels)
    }

    /// The client id in `topic`, or `nil` when the topic does not fit.
    public func clientID(in topic: String) -> String? {
        let parts = TopicLevels.split(topic)
        switch clientID {
        case .level(let number):
            guard number >= 1, number <= parts.count, !parts[number - 1].isEmpty else { return nil }
            return String(parts[number - 1])
        case .pattern(let levels):
            var found: Substring?
            for (position, level) in levels.enumerated() {
                if case .rest = level { return found.map(String.init) }
                guard position < parts.count else { return nil }
                let part = parts[position]
                switch level {
                case .literal(let text): if !TopicLevels.equal(part, text) { return nil }
                case .any: break
                case .rest: break
                case .clientID:
                    if part.isEmpty { return nil }
                    found = part
                }
            }
            guard parts.count == levels.count else { return nil }
            return found.map(String.init)
        }
    }
}

/// A topic pattern that cannot be used.
public struct LWTPatternError: Error, Sendable, Equatable {
    /// What is wrong, for a `file:line:column` message.
    public var message: String
}
