import ConnWatchCore
import Foundation

/// What `StateStore.restoreState` brought back besides the clients, which went into the engine.
public struct RestoredState: Sendable {
    /// Clients read from the store.
    public var clients = 0
    /// Counting-rule windows read from the store.
    public var counters = 0
    /// Alerts saved as notified.
    public var savedAlerts = 0
    /// Alerts firing after the restore that people were told about (see `Engine.restore`).
    public var firing: [Alert] = []
    public var notificationLog = NotificationLog()
    public var silences: [Silence] = []
}

extension StateStore {
    /// Clients handed to the restoring thread at a time.
    static let restoreChunk = 4096

    /// Reads the saved state into `engine` (see `Engine.restore`; resolved alerts go to `changes`).
    ///
    /// The calling thread reads the store while a second thread restores the clients read so far,
    /// a chunk at a time: on two cores a restart takes about as long as the slower of the two
    /// instead of both one after the other.
    public func restoreState(
        into engine: Engine,
        now: Int64,
        changes: inout [AlertChange]
    ) throws -> RestoredState {
        let restorer = ChunkedRestore(engine: engine, now: now)
        var chunk: [ClientState] = []
        var count = 0
        let saved: SavedState
        do {
            saved = try readState(now: now) { alerts, expected in
                restorer.start(notified: alerts, clients: expected)
                chunk.reserveCapacity(Self.restoreChunk)
            } client: { client in
                chunk.append(client)
                count += 1
                if chunk.count == Self.restoreChunk {
                    restorer.add(&chunk)
                    chunk.reserveCapacity(Self.restoreChunk)
                }
            }
        } catch {
            _ = restorer.finish()
            throw error
        }
        if !chunk.isEmpty { restorer.add(&chunk) }
        guard let progress = restorer.finish() else { return RestoredState() }
        let firing = engine.finishRestore(progress, counters: saved.counters, now: now, into: &changes)
        return RestoredState(
            clients: count,
            counters: saved.counters.count,
            savedAlerts: saved.alerts.count,
            firing: firing,
            notificationLog: saved.notificationLog,
            silences: saved.silences
        )
    }
}

/// The second thread of `restoreState`: takes chunks of clients as they are read and restores
/// them into the engine. At most `limit` chunks wait, so memory stays bounded when reading is
/// the faster side.
private final class ChunkedRestore: @unchecked Sendable {
    // @unchecked: between `start` and `finish` only the thread touches `engine`; `queue`,
    // `closed` and `result` are guarded by `condition`.
    private let engine: Engine
    private let now: Int64
    private let condition = NSCondition()
    private var queue: [[ClientState]] = []
    private var closed = false
    private var started = false
    private var result: Engine.RestoreProgress?
    private let done = DispatchSemaphore(value: 0)
    private let limit = 8

    init(engine: Engine, now: Int64) {
        self.engine = engine
        self.now = now
    }

    func start(notified: [Alert], clients: Int) {
        let initial = engine.beginRestore(notified: notified, clients: clients)
        started = true
        let thread = Thread { [self] in
            var progress = initial
            while var chunk = take() { engine.restore(clients: &chunk, now: now, into: &progress) }
            condition.lock()
            result = progress
            condition.unlock()
            done.signal()
        }
        thread.name = "connwatch.restore"
        thread.start()
    }

    /// Queues `chunk` and leaves it empty; the queue then holds the only reference, so the
    /// restoring thread moves the clients out instead of copying them.
    func add(_ chunk: inout [ClientState]) {
        condition.lock()
        while queue.count >= limit { condition.wait() }
        queue.append(chunk)
        chunk = []
        condition.broadcast()
        condition.unlock()
    }

    private func take() -> [ClientState]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !closed { condition.wait() }
        if queue.isEmpty { return nil }
        let chunk = queue.removeFirst()
        condition.broadcast()
        return chunk
    }

    /// No more chunks: waits for the thread to restore what is queued; `nil` if it never started.
    func finish() -> Engine.RestoreProgress? {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
        guard started else { return nil }
        done.wait()
        condition.lock()
        defer { condition.unlock() }
        return result
    }
}
