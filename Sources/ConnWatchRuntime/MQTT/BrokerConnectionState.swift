import ConnWatchCore

/// The connection state of one broker feed, folded from its ``MQTTEvent``s: what the feed-health logic
/// (a "feed down" self-alert, pausing client-offline rules) and the logs need.
///
/// A pure value: ``apply(_:at:)`` takes the event and the time (milliseconds since the Unix epoch), so it
/// can be driven without a broker.
public struct BrokerConnectionState: Sendable, Equatable {
    /// Where the connection is.
    public enum Phase: String, Sendable, Equatable {
        /// Started, no CONNACK yet.
        case connecting
        /// The broker accepted the connection.
        case connected
        /// The last attempt failed or the connection was lost; reconnecting with backoff.
        case disconnected
    }

    /// The broker's configured name.
    public let broker: String
    /// Where the connection is.
    public private(set) var phase: Phase = .connecting
    /// When ``phase`` last changed.
    public private(set) var since: Int64
    /// Successful connects so far.
    public private(set) var connects = 0
    /// Failed attempts and losses since the last successful connect.
    public private(set) var consecutiveFailures = 0
    /// The last failure: library or MQTT code and its text; kept after a reconnect for the logs.
    public private(set) var lastError: (code: Int, reason: String)?
    /// The last failure's class and detail; kept after a reconnect.
    public private(set) var lastFailure: BrokerFailure?
    /// Failed attempts and losses so far, by class (`connwatch_mqtt_connect_failures_total`).
    public private(set) var failureCounts: [BrokerFailure.Kind: Int] = [:]
    /// Whether the last connect resumed a stored session (messages queued while away will arrive).
    public private(set) var sessionPresent = false
    /// Messages received while connected (any topic).
    public private(set) var messages = 0

    /// A feed that has just been started at `now`.
    public init(broker: String, startedAt now: Int64) {
        self.broker = broker
        self.since = now
    }

    /// Folds one event in. Returns `true` when ``phase`` changed.
    @discardableResult
    public mutating func apply(_ event: MQTTEvent, at now: Int64) -> Bool {
        let before = phase
        switch event {
        case .connected(let resumed):
            phase = .connected
            connects += 1
            consecutiveFailures = 0
            sessionPresent = resumed
        case .connectFailed(let report), .disconnected(let report):
            phase = .disconnected
            consecutiveFailures += 1
            lastError = (report.code, report.reason)
            lastFailure = report.failure
            failureCounts[report.failure.kind, default: 0] += 1
        case .message:
            messages += 1
        }
        if phase != before { since = now }
        return phase != before
    }

    /// How long the feed has been in ``phase`` at `now`, in milliseconds.
    public func duration(at now: Int64) -> Int64 { max(0, now - since) }

    public static func == (lhs: BrokerConnectionState, rhs: BrokerConnectionState) -> Bool {
        lhs.broker == rhs.broker && lhs.phase == rhs.phase && lhs.since == rhs.since && lhs.connects == rhs.connects
            && lhs.consecutiveFailures == rhs.consecutiveFailures && lhs.lastError?.code == rhs.lastError?.code
            && lhs.lastError?.reason == rhs.lastError?.reason && lhs.sessionPresent == rhs.sessionPresent
            && lhs.messages == rhs.messages && lhs.lastFailure == rhs.lastFailure
            && lhs.failureCounts == rhs.failureCounts
    }
}
