import ConnWatchRuntime
import Synchronization

/// Events with their arrival time, appended from the client's thread.
final class EventBox: Sendable {
    private let store = Mutex<[TimedEvent]>([])

    func append(_ event: MQTTEvent) {
        let now = ContinuousClock.now
        store.withLock { $0.append(TimedEvent(at: now, event: event)) }
    }

    var events: [TimedEvent] { store.withLock { $0 } }
}
