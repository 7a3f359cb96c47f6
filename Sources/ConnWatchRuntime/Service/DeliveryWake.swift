import Synchronization

/// The current deliverer, for the state writer to wake after it wrote notifications.
final class DeliveryWake: Sendable {
    private let current: Mutex<NotificationDelivery>

    init(_ delivery: NotificationDelivery) {
        current = Mutex(delivery)
    }

    func set(_ delivery: NotificationDelivery) {
        current.withLock { $0 = delivery }
    }

    func wake(_ receivers: [String]) {
        guard !receivers.isEmpty else { return }
        current.withLock { $0 }.wake(receivers)
    }
}
