/// An event a counting rule did not count because it arrived later than `max_lateness` after it
/// happened (a burst queued while connwatch or the network was down).
public struct LateEvent: Sendable, Equatable {
    public var clientID: String
    public var action: StatusAction
    /// When it happened and when connwatch received it (Unix milliseconds).
    public var time: Int64
    public var arrivedAt: Int64
    /// The counting rules that would have counted it.
    public var rules: [String]
}

extension Engine {
    /// At most this many late events are kept between two `takeLateEvents` calls; the rest are counted.
    static let lateEventsKept = 20

    func noteTooLate(_ event: StatusEvent, arrivedAt now: Int64, rules: [String]) {
        counters.tooLate += 1
        guard lateEvents.count < Self.lateEventsKept else {
            moreLateEvents += 1
            return
        }
        lateEvents.append(
            LateEvent(clientID: event.clientID, action: event.action, time: event.time, arrivedAt: now, rules: rules)
        )
    }

    /// The events too late to count since the last call: the first ones, and how many more.
    public func takeLateEvents() -> (events: [LateEvent], more: Int) {
        defer {
            lateEvents = []
            moreLateEvents = 0
        }
        return (lateEvents, moreLateEvents)
    }
}
