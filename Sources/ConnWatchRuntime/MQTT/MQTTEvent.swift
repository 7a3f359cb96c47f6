import ConnWatchCore

/// One application message received from the broker, copied out of libmosquitto's buffers.
public struct MQTTMessage: Sendable {
    /// The topic the message was published on.
    public var topic: String
    /// The payload bytes, unchanged (need not be UTF-8).
    public var payload: [UInt8]
    /// `true` when the broker delivered a retained message (typically right after subscribing).
    public var retained: Bool
    /// The QoS the message was delivered with.
    public var qos: Int
    /// Wall-clock time of reception in milliseconds since the Unix epoch, taken in the callback.
    public var receivedAt: Int64

    /// Creates a message.
    public init(topic: String, payload: [UInt8], retained: Bool, qos: Int, receivedAt: Int64) {
        self.topic = topic
        self.payload = payload
        self.retained = retained
        self.qos = qos
        self.receivedAt = receivedAt
    }
}

/// What a ``MosquittoClient`` reports on its ``MosquittoClient/events`` stream.
public enum MQTTEvent: Sendable {
    /// The broker accepted the connection; `sessionPresent` tells whether it resumed a stored session.
    case connected(sessionPresent: Bool)
    /// A connection attempt failed — DNS, TCP, TLS, a CONNACK refusal or a close before CONNACK —
    /// reported once per attempt, classified, with the delay before the next one.
    case connectFailed(MQTTConnectFailure)
    /// An established connection was lost (class ``BrokerFailure/Kind/lost`` or
    /// ``BrokerFailure/Kind/protocolError``); reported once, with the delay before the next attempt.
    /// A clean ``MosquittoClient/shutdown()`` reports nothing.
    case disconnected(MQTTConnectFailure)
    /// An application message arrived.
    case message(MQTTMessage)
}
