import ConnWatchCore

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
