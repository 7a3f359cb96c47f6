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

/// One failed attempt or lost connection of a ``MosquittoClient``: the class and detail, the raw
/// code, and when the client tries again.
public struct MQTTConnectFailure: Sendable, Equatable {
    /// The class and detail.
    public var failure: BrokerFailure
    /// The raw code: the broker's CONNACK/reason code for a refusal, else libmosquitto's `MOSQ_ERR_*`.
    public var code: Int
    /// How long the client waits before its next attempt (the jittered backoff it drew).
    public var retryIn: Duration
    /// Failed attempts since the last successful connect, this one included.
    public var attempt: Int

    /// Creates a report.
    public init(_ failure: BrokerFailure, code: Int, retryIn: Duration, attempt: Int) {
        self.failure = failure
        self.code = code
        self.retryIn = retryIn
        self.attempt = attempt
    }

    /// `title: detail`.
    public var reason: String { failure.description }
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
