/// A min-heap of deadlines. Cancelling is lazy: the owner keeps a generation per timer slot and
/// ignores entries whose generation is stale, so scheduling and popping are O(log n) and nothing
/// ever scans all clients.
public struct TimerQueue<Payload>: Sendable where Payload: Sendable {
    public struct Entry: Sendable {
        public var deadline: Int64
        public var payload: Payload
    }

    private var heap: [Entry] = []

    public init() {}

    public var count: Int { heap.count }
    public var isEmpty: Bool { heap.isEmpty }

    /// The earliest deadline, if any.
    public var nextDeadline: Int64? { heap.first?.deadline }

    public mutating func schedule(at deadline: Int64, _ payload: Payload) {
        heap.append(Entry(deadline: deadline, payload: payload))
        siftUp(heap.count - 1)
    }

    /// Adds an entry without keeping the heap in order: for filling the queue with many entries at
    /// once (a restore), followed by one `restoreOrder()`, which costs O(n) instead of O(n log n).
    /// Until then `nextDeadline` and `popDue` are wrong.
    public mutating func scheduleUnordered(at deadline: Int64, _ payload: Payload) {
        heap.append(Entry(deadline: deadline, payload: payload))
    }

    /// Puts the heap back in order after `scheduleUnordered`.
    public mutating func restoreOrder() {
        guard heap.count > 1 else { return }
        for parent in stride(from: heap.count / 2 - 1, through: 0, by: -1) {
            siftDown(parent)
        }
    }

    /// Removes and returns the earliest entry if it is due at `now`.
    public mutating func popDue(now: Int64) -> Entry? {
        guard let first = heap.first, first.deadline <= now else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
        return first
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].deadline < heap[parent].deadline else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        let count = heap.count
        while true {
            let left = 2 * parent + 1
            guard left < count else { return }
            var smallest = left
            let right = left + 1
            if right < count && heap[right].deadline < heap[left].deadline { smallest = right }
            guard heap[smallest].deadline < heap[parent].deadline else { return }
            heap.swapAt(smallest, parent)
            parent = smallest
        }
    }
}
