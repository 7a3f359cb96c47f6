/// The event times of one counting window, oldest first.
///
/// Most windows hold a single time (one disconnect in the last 15 minutes), so the first time is
/// stored inline and only the others in an array: a window of one allocates nothing. Two words:
/// `Int64.min` marks an empty window (a first time of `Int64.min`, which no event has, is kept
/// as `Int64.min + 1`).
struct EventTimes: RandomAccessCollection, Equatable, Sendable {
    private var head = Int64.min
    private var tail: [Int64] = []
    private var hasHead: Bool { head != .min }

    init() {}

    init(_ times: some Sequence<Int64>) {
        for time in times { append(time) }
    }

    var startIndex: Int { 0 }
    var endIndex: Int { hasHead ? tail.count + 1 : 0 }

    subscript(position: Int) -> Int64 {
        precondition(position >= 0 && position < endIndex, "event time index out of range")
        return position == 0 ? head : tail[position - 1]
    }

    mutating func append(_ time: Int64) {
        if hasHead {
            tail.append(time)
        } else {
            head = Swift.max(time, .min + 1)
        }
    }

    mutating func insert(_ time: Int64, at position: Int) {
        precondition(position >= 0 && position <= endIndex, "event time index out of range")
        if position == endIndex {
            append(time)
        } else if position == 0 {
            tail.insert(head, at: 0)
            head = Swift.max(time, .min + 1)
        } else {
            tail.insert(time, at: position - 1)
        }
    }

    /// Drops the `count` oldest times.
    mutating func removeFirst(_ count: Int) {
        precondition(count >= 0 && count <= endIndex, "cannot remove more event times than there are")
        guard count > 0 else { return }
        if count == endIndex {
            self = EventTimes()
            return
        }
        head = tail[count - 1]
        tail.removeFirst(count)
    }

    static func == (lhs: EventTimes, rhs: EventTimes) -> Bool { lhs.elementsEqual(rhs) }
}
