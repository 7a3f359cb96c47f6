import ConnWatchCore
import Synchronization

/// Counts finished notifications per receiver for `/metrics`. One per process by default, so the
/// counts survive the fresh deliverer every reload makes.
final class DeliveryStats: Sendable {
    /// The process's counters.
    static let process = DeliveryStats()

    private let counters = Mutex(MetricsSnapshot.DeliveryCounters())

    /// A notification reached `receiver`.
    func delivered(_ receiver: String) {
        counters.withLock { $0.sent[receiver, default: 0] += 1 }
    }

    /// A notification for `receiver` was dropped (permanent failure, retries exhausted, 410).
    func failed(_ receiver: String) {
        counters.withLock { $0.failed[receiver, default: 0] += 1 }
    }

    /// The counts so far.
    var snapshot: MetricsSnapshot.DeliveryCounters { counters.withLock { $0 } }
}
