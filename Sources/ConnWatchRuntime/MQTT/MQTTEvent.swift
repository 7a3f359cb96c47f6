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
    /// A connection attempt failed: refused by the broker (CONNACK code / MQTT 5 reason code), or the
    /// network step failed (libmosquitto error code, e.g. 15 = name resolution failed), or libmosquitto's
    /// network loop stopped on a fatal error and the client will start over after a backoff.
    case connectFailed(code: Int, reason: String)
    /// An established connection ended. `code` is a libmosquitto error code (7 = connection lost) or,
    /// for a DISCONNECT sent by an MQTT 5 broker, its reason code (≥ 128).
    case disconnected(code: Int, reason: String)
    /// An application message arrived.
    case message(MQTTMessage)
}
