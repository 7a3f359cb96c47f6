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

/// Turns alert changes into notifications for the receivers they route to.
public enum NotificationPlanner {
    /// One notification per receiver of the alert; resolved ones only to receivers with
    /// `send_resolved`.
    public static func notifications(for change: AlertChange, config: ConnWatchConfig) -> [Notification] {
        let alert = change.alert
        return config.receivers(for: alert).compactMap { receiver in
            if alert.state == .resolved && !receiver.sendResolved { return nil }
            guard alert.state != .pending else { return nil }
            let id = "\(alert.fingerprint)-\(alert.startsAt)-\(alert.state.rawValue)-\(receiver.name)"
            return Notification(id: id, receiver: receiver.name, alerts: [alert])
        }
    }
}
