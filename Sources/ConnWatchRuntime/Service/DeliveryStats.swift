import ConnWatchCore
import Synchronization

/// Counts finished notifications per receiver for `/metrics`, and keeps each receiver's last
/// outcome for `GET /api/v1/status`. One per process by default, so the counts survive the fresh
/// deliverer every reload makes.
final class DeliveryStats: Sendable {
    /// The process's counters.
    static let process = DeliveryStats()

    private let counters = Mutex(MetricsSnapshot.DeliveryCounters())
    private let lastResults = Mutex([String: DaemonStatusJSON.DeliveryResult]())

    /// A notification reached `receiver`.
    func delivered(_ receiver: String) {
        counters.withLock { $0.sent[receiver, default: 0] += 1 }
        record(receiver, "delivered", nil)
    }

    /// A notification for `receiver` was dropped (permanent failure, retries exhausted, 410).
    func failed(_ receiver: String, _ detail: String? = nil) {
        counters.withLock { $0.failed[receiver, default: 0] += 1 }
        record(receiver, "failed", detail)
    }

    /// An attempt for `receiver` failed and will be retried.
    func retrying(_ receiver: String, _ detail: String) {
        record(receiver, "retrying", detail)
    }

    /// The counts so far.
    var snapshot: MetricsSnapshot.DeliveryCounters { counters.withLock { $0 } }

    /// Each receiver's last outcome, by name.
    var last: [String: DaemonStatusJSON.DeliveryResult] { lastResults.withLock { $0 } }

    private func record(_ receiver: String, _ outcome: String, _ detail: String?) {
        let result = DaemonStatusJSON.DeliveryResult(time: WallClock.now(), outcome: outcome, detail: detail)
        lastResults.withLock { $0[receiver] = result }
    }
}
