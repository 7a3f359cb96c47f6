/// One message to one receiver about one or more alerts.
public struct Notification: Sendable, Equatable {
    /// Stable id, the same on every retry (sent as `webhook-id`), unique per alert change.
    public var id: String
    public var receiver: String
    public var alerts: [Alert]
    /// `firing` if any alert fires, else `resolved`.
    public var status: AlertState {
        alerts.contains { $0.state == .firing } ? .firing : .resolved
    }

    public init(id: String, receiver: String, alerts: [Alert]) {
        self.id = id
        self.receiver = receiver
        self.alerts = alerts
    }
}
