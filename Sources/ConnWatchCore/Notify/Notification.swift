/// One message to one receiver about one or more alerts.
public struct Notification: Sendable, Equatable {
    /// Stable id, the same on every retry (sent as `webhook-id`), unique per alert change.
    public var id: String
    public var receiver: String
    public var alerts: [Alert]
    /// The `group_by` labels' values of the aggregation group the notification is about
    /// (Alertmanager's `groupLabels`); `nil` for notifications made outside a group (tests, previews).
    public var groupLabels: LabelSet?
    /// Why the group is notified now (Alertmanager's `notification_reason`).
    public var reason: NotifyReason?
    /// `firing` if any alert fires, else `resolved`.
    public var status: AlertState {
        alerts.contains { $0.state == .firing } ? .firing : .resolved
    }

    public init(
        id: String,
        receiver: String,
        alerts: [Alert],
        groupLabels: LabelSet? = nil,
        reason: NotifyReason? = nil
    ) {
        self.id = id
        self.receiver = receiver
        self.alerts = alerts
        self.groupLabels = groupLabels
        self.reason = reason
    }
}
