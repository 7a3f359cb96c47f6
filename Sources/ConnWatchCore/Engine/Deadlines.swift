import HeapModule

/// What a queued deadline belongs to: one of the engine's slots.
struct DeadlineKey: Sendable, Equatable {
    enum Kind: UInt8, Sendable {
        /// An offline or inactive slot: `first` = client, `second` = slot.
        case offline
        /// A counting rule's group: `first` = rule, `second` = slot.
        case counter
        /// A fleet rule's group: `first` = rule, `second` = group.
        case fleet
        /// A broker feed's `feed_down`: `first` = feed.
        case feed
        /// A counting rule's sweep of its idle windows: `first` = rule.
        case sweep
        /// The sweep that forgets silent clients (`forget_after`).
        case forget
    }

    var kind: Kind
    var first: Int32
    var second: Int32 = 0
}

/// A slot's deadline as the slot itself keeps it (12 bytes, so a slot's own small fields fit in
/// the rest of its last word): the deadline it waits for while armed, and which queue entry, if
/// any, is its own.
struct DeadlineState: Sendable {
    /// While armed: when the slot is due. Never earlier than its queued entry, if it has one.
    fileprivate(set) var deadline: Int64 = 0
    /// The stamp of the slot's queued entry (low 30 bits; entries with another stamp are not its
    /// own), and the flags `armed` and `queued` in the top two bits.
    private var bits: UInt32 = 0

    private static let armed: UInt32 = 1 << 31
    private static let queued: UInt32 = 1 << 30

    /// The stamp of the slot's queued entry.
    fileprivate var stamp: UInt32 {
        get { bits & Deadlines.stampMask }
        set { bits = (bits & ~Deadlines.stampMask) | (newValue & Deadlines.stampMask) }
    }

    /// Whether the slot waits for `deadline`.
    var isArmed: Bool {
        get { bits & Self.armed != 0 }
        set { bits = newValue ? bits | Self.armed : bits & ~Self.armed }
    }

    /// Whether one entry of the queue is the slot's own (due at or before `deadline`).
    fileprivate(set) var isQueued: Bool {
        get { bits & Self.queued != 0 }
        set { bits = newValue ? bits | Self.queued : bits & ~Self.queued }
    }
}

/// The engine's deadlines: a min-heap with at most one entry of its own per slot, so its size
/// follows the slots that are armed (or were lately), never the events.
///
/// Arming a slot later than its queued entry pushes nothing: the slot keeps the deadline it
/// wants, and when the earlier entry comes due `settle` sees the slot wants a later time and
/// pushes it once (a lazy re-arm). Arming it earlier pushes a new entry, and the old one is left
/// as an orphan; disarming pushes nothing. Orphans (and entries of slots that were freed) are
/// counted, and once they outnumber the slots' own entries the heap is rebuilt without them, so
/// the heap holds at most about two entries per slot with an entry of its own.
///
/// Ties are ordered by when the entries were pushed.
struct Deadlines: Sendable {
    struct Entry: Sendable, Comparable {
        var deadline: Int64
        var stamp: UInt32
        var key: DeadlineKey

        /// Earlier deadline first; equal deadlines in the order they were pushed (stamps wrap).
        static func < (lhs: Entry, rhs: Entry) -> Bool {
            lhs.deadline < rhs.deadline
                || (lhs.deadline == rhs.deadline
                    && (lhs.stamp &- rhs.stamp) & Deadlines.stampMask > Deadlines.stampMask / 2)
        }

        static func == (lhs: Entry, rhs: Entry) -> Bool {
            lhs.deadline == rhs.deadline && lhs.stamp == rhs.stamp
        }
    }

    /// Stamps are 30 bits (they wrap): the slots keep two flags beside theirs.
    fileprivate static let stampMask: UInt32 = (1 << 30) - 1

    private var heap = Heap<Entry>()
    /// Entries pushed while the order is deferred (a restore), heapified at once by `restoreOrder()`.
    private var unordered: [Entry] = []
    private var stamps: UInt32 = 0
    /// Entries that are the own entry of their slot; the rest are orphans.
    private(set) var ownEntries = 0
    /// While set, entries are appended unordered (a restore), until `restoreOrder()`.
    private var deferringOrder = false

    init() {}

    /// The entries queued, orphans included.
    var count: Int { heap.count + unordered.count }

    /// The earliest queued entry's deadline (possibly an orphan's, or one that will re-arm).
    var nextDeadline: Int64? { heap.min?.deadline }

    /// Whether enough orphans piled up that `compact` should run.
    var needsCompaction: Bool { count > 2 * ownEntries + 64 }

    /// Arms the slot `key` (whose state is `state`) for `deadline`.
    mutating func arm(_ state: inout DeadlineState, at deadline: Int64, key: DeadlineKey) {
        // The queued entry is due no later than the deadline the slot wanted before.
        let queuedInTime = state.isQueued && state.deadline <= deadline
        state.deadline = deadline
        state.isArmed = true
        if !queuedInTime { push(&state, key) }
    }

    /// The slot no longer waits; its queued entry stays, and `settle` ignores it.
    func disarm(_ state: inout DeadlineState) {
        state.isArmed = false
    }

    /// The slot is freed or renumbered: its queued entry, if any, becomes an orphan. `state`
    /// starts afresh (keeping nothing but what the caller copied out before).
    mutating func forget(_ state: inout DeadlineState) {
        if state.isQueued { ownEntries -= 1 }
        state = DeadlineState()
    }

    /// Like `forget(_:)` for a slot that is dropped as a whole.
    mutating func forget(dropped state: DeadlineState) {
        if state.isQueued { ownEntries -= 1 }
    }

    /// Removes and returns the earliest entry if it is due at `now`; `settle` it with its slot.
    mutating func popDue(now: Int64) -> Entry? {
        guard let first = heap.min, first.deadline <= now else { return nil }
        return heap.removeMin()
    }

    /// Settles a popped entry with its slot's state: `true` if the slot is due at the entry's
    /// deadline (it is disarmed then, and the caller acts). `false` if the entry was an orphan,
    /// the slot no longer waits, or it waits for a later time (its entry is pushed again, once).
    mutating func settle(_ entry: Entry, _ state: inout DeadlineState) -> Bool {
        guard state.isQueued, state.stamp == entry.stamp else { return false }
        state.isQueued = false
        ownEntries -= 1
        guard state.isArmed else { return false }
        if state.deadline > entry.deadline {
            push(&state, entry.key)
            return false
        }
        state.isArmed = false
        return true
    }

    /// Whether `entry` is the own entry of the slot whose state is `state`.
    static func isOwn(_ entry: Entry, of state: DeadlineState) -> Bool {
        state.isQueued && state.stamp == entry.stamp
    }

    /// Drops every entry `isOwn` rejects (orphans, entries of freed slots), in O(n).
    mutating func compact(keeping isOwn: (Entry) -> Bool) {
        let kept = (heap.unordered + unordered).filter(isOwn)
        unordered = []
        deferringOrder = false
        heap = Heap(kept)
        ownEntries = kept.count
    }

    /// Appends entries unordered until `restoreOrder()` (for a restore: O(n) instead of O(n log n)).
    mutating func deferOrder() {
        deferringOrder = true
    }

    /// Puts the heap back in order.
    mutating func restoreOrder() {
        deferringOrder = false
        guard !unordered.isEmpty else { return }
        heap = Heap(heap.unordered + unordered)
        unordered = []
    }

    private mutating func push(_ state: inout DeadlineState, _ key: DeadlineKey) {
        if state.isQueued {
            ownEntries -= 1  // the older entry is an orphan now
        }
        stamps = (stamps &+ 1) & Self.stampMask
        state.stamp = stamps
        state.isQueued = true
        ownEntries += 1
        let entry = Entry(deadline: state.deadline, stamp: stamps, key: key)
        if deferringOrder { unordered.append(entry) } else { heap.insert(entry) }
    }
}
