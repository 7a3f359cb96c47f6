import ConnWatchCore
import Dispatch
import Foundation
import Logging
import Synchronization

/// Writes `StateBatch`es to the store on a queue of its own, one transaction each, one at a time
/// (group commit: whatever the daemon gathers while a write runs goes into the next one).
///
/// A write that fails (disk full, I/O error) keeps its batch: it is merged under the next one and
/// tried again no sooner than `retryDelay` later, so nothing is lost while the disk recovers.
final class StateWriter: Sendable {
    private let store: StateStore
    private let logger: Logger
    private let retryDelay: DispatchTimeInterval
    private let queue = DispatchQueue(label: "connwatch.state.writer")
    private struct State {
        var busy = false
        var failed: StateBatch?
        var failures = 0
    }
    private let state = Mutex(State())

    init(store: StateStore, logger: Logger, retryDelay: DispatchTimeInterval = .seconds(1)) {
        self.store = store
        self.logger = logger
        self.retryDelay = retryDelay
    }

    /// Whether a write is running (or waiting to retry); submit the next batch when it is done.
    var isBusy: Bool { state.withLock { $0.busy } }

    /// Whether a failed batch waits to be written again.
    var hasFailedBatch: Bool { state.withLock { $0.failed != nil } }

    /// Writes `batch` (after any batch that failed before). `committed` runs after a successful
    /// write with what was written; `idle` runs when the writer can take the next batch.
    func submit(
        _ batch: StateBatch,
        committed: @escaping @Sendable (StateBatch) -> Void,
        idle: @escaping @Sendable () -> Void
    ) {
        state.withLock { $0.busy = true }
        queue.async { [self] in
            var pending = batch
            if let failed = state.withLock({ $0.failed }) {
                var merged = failed
                merged.merge(under: batch)
                pending = merged
            }
            do {
                try store.write(pending)
                let recovered = state.withLock { state in
                    defer {
                        state.failed = nil
                        state.failures = 0
                        state.busy = false
                    }
                    return state.failures
                }
                if recovered > 0 {
                    logger.notice("the state database is writable again; \(recovered) failed writes made up")
                }
                committed(pending)
                idle()
            } catch {
                let failures = state.withLock { state in
                    state.failed = pending
                    state.failures += 1
                    return state.failures
                }
                // Loud once, then every 60th attempt: a full disk must not flood the journal.
                if failures == 1 || failures % 60 == 0 {
                    logger.critical(
                        "cannot write the state database, keeping the changes in memory and retrying: \(error)",
                        metadata: [
                            "clients": "\(pending.clients.count)", "notifications": "\(pending.outbox.count)",
                            "attempt": "\(failures)",
                        ]
                    )
                }
                queue.asyncAfter(deadline: .now() + retryDelay) { [self] in
                    state.withLock { $0.busy = false }
                    idle()
                }
            }
        }
    }

    /// Writes `batch` (with any failed one) now, waiting for a running write first; for shutdown.
    func finish(_ batch: StateBatch) throws {
        try queue.sync {
            var pending = batch
            if let failed = state.withLock({ $0.failed }) {
                var merged = failed
                merged.merge(under: batch)
                pending = merged
            }
            guard !pending.isEmpty else { return }
            try store.write(pending)
            state.withLock { $0.failed = nil }
        }
    }
}
