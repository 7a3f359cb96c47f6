import Synchronization

/// Where the broker clients' threads leave connection events and messages for the daemon's loop.
///
/// A put wakes the loop (`wake`) only when the inbox was empty; the loop then takes everything
/// that has gathered at once. Under load, messages arrive while the loop works through the last
/// lot, so one wake-up, one task switch and one settle (timers, notifier, store) serve many
/// messages instead of one each. Unbounded like the stream it replaces: nothing is dropped.
final class FeedInbox: Sendable {
    struct Item: Sendable {
        var broker: String
        var event: MQTTEvent
    }

    private struct State {
        var items: [Item] = []
        /// A wake-up was sent and the loop has not taken the items yet.
        var woken = false
    }

    private let state = Mutex(State())
    private let wake: @Sendable () -> Void

    init(wake: @escaping @Sendable () -> Void) {
        self.wake = wake
    }

    func put(_ event: MQTTEvent, broker: String) {
        let needsWake = state.withLock { state in
            state.items.append(Item(broker: broker, event: event))
            if state.woken { return false }
            state.woken = true
            return true
        }
        if needsWake { wake() }
    }

    /// Moves what was put since the last take, oldest first, into `buffer`, which must be empty;
    /// at most `limit` items, so that a backlog (a broker replaying a large persistent session)
    /// cannot keep the loop from its other inputs. What is left sends another wake-up, which queues
    /// behind whatever else waits for the loop.
    func take(into buffer: inout [Item], limit: Int = 4096) {
        let more = state.withLock { state in
            if state.items.count <= limit {
                state.woken = false
                swap(&state.items, &buffer)
                return false
            }
            buffer.append(contentsOf: state.items[..<limit])
            state.items.removeFirst(limit)
            return true
        }
        if more { wake() }
    }
}
