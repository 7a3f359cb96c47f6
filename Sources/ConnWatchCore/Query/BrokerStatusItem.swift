/// One broker feed's connection as `GET /api/v1/brokers` reports it and `connwatch status` shows
/// it: connected or not since when, and — when not — why (the class of the last failure and its detail).
public struct BrokerStatusItem: Codable, Sendable, Equatable {
    public var name: String
    public var connected: Bool
    /// When the connection last changed state, ISO 8601.
    public var since: String
    /// The class of the last failure (`BrokerFailure.Kind` raw value), when there was one.
    public var reason: String?
    /// `title: detail` of the last failure.
    public var message: String?
    /// Failed attempts since the last successful connect.
    public var consecutiveFailures: Int

    public init(
        name: String,
        connected: Bool,
        since: Int64,
        failure: BrokerFailure?,
        consecutiveFailures: Int
    ) {
        self.name = name
        self.connected = connected
        self.since = Timestamp.formatISO8601(milliseconds: since)
        self.reason = failure?.kind.rawValue
        self.message = failure?.description
        self.consecutiveFailures = consecutiveFailures
    }
}
