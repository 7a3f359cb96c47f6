/// One HTTP request of a notification: its idempotency key (`webhook-id`, the outbox entry's id)
/// and the rendered message.
public struct NotificationRequest: Sendable, Equatable {
    /// Stable across retries and restarts; unique per request.
    public var id: String
    public var message: RenderedMessage

    public init(id: String, message: RenderedMessage) {
        self.id = id
        self.message = message
    }
}

extension MessageRenderer {
    /// The requests that carry `notification` to `receiver`. Chat platforms and webhooks take one
    /// message for the whole group. PagerDuty takes one Events v2 event per alert, each with its own
    /// `dedup_key`, so that every alert of a group triggers and resolves an incident of its own; its
    /// ids are the notification's id followed by `/` and the alert's fingerprint.
    public static func requests(
        _ notification: Notification,
        receiver: ReceiverConfig,
        context: RenderContext
    ) -> [NotificationRequest] {
        guard receiver.type == .pagerduty, notification.alerts.count > 1 else {
            return [
                NotificationRequest(
                    id: notification.id,
                    message: render(notification, receiver: receiver, context: context)
                )
            ]
        }
        return notification.alerts.map { alert in
            let single = Notification(
                id: "\(notification.id)/\(alert.fingerprint)",
                receiver: notification.receiver,
                alerts: [alert]
            )
            return NotificationRequest(id: single.id, message: render(single, receiver: receiver, context: context))
        }
    }
}
