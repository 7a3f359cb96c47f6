// The engine's per-client and per-group slots, packed: there is one offline slot per client and
// offline rule, and a counting window per client and counting rule it counts for, so every byte
// of these is paid for by every client.

/// Where an alert of a slot stands.
enum SlotPhase: UInt8 {
    case idle
    case pending
    case firing
    /// Still firing after the client came back, until the rule's `keep_firing_for` passes.
    case cooling
}

/// A firing alert, shared by reference.
final class AlertBox: Sendable {
    let alert: Alert
    init(_ alert: Alert) { self.alert = alert }
}

/// One offline rule's state for one client: 24 bytes. Its alert, while it has one (firing or
/// cooling: few slots at a time), is kept by the `SlotTable`, not in the slot.
struct OfflineSlot {
    var since: Int64 = 0
    /// 12 bytes: the last 4 of the slot's 24 hold its rule and flags.
    var timer = DeadlineState()
    /// The rule (low 28 bits), the phase (2 bits), `notified` and `paused`.
    private var bits: UInt32

    private static let ruleMask: UInt32 = (1 << 28) - 1
    private static let phaseShift: UInt32 = 28
    private static let notifiedBit: UInt32 = 1 << 30
    private static let pausedBit: UInt32 = 1 << 31

    /// The most offline rules a configuration can have (far more than any configuration file holds).
    static let maxRules = Int(ruleMask) + 1

    init(rule: Int32) {
        precondition(rule >= 0 && Int(rule) < Self.maxRules, "offline rule index out of range")
        bits = UInt32(rule)
    }

    /// The offline rule's index.
    var rule: Int32 {
        get { Int32(bitPattern: bits & Self.ruleMask) }
        set {
            precondition(newValue >= 0 && Int(newValue) < Self.maxRules, "offline rule index out of range")
            bits = (bits & ~Self.ruleMask) | UInt32(newValue)
        }
    }

    var phase: SlotPhase {
        get { SlotPhase(rawValue: UInt8((bits >> Self.phaseShift) & 3))! }
        set { bits = (bits & ~(3 << Self.phaseShift)) | (UInt32(newValue.rawValue) << Self.phaseShift) }
    }

    /// Whether people were told it fires (not if a fleet alert inhibited it).
    var notified: Bool {
        get { bits & Self.notifiedBit != 0 }
        set { bits = newValue ? bits | Self.notifiedBit : bits & ~Self.notifiedBit }
    }

    /// Whether it is in its feed's `paused` list (came due while the feed was down).
    var paused: Bool {
        get { bits & Self.pausedBit != 0 }
        set { bits = newValue ? bits | Self.pausedBit : bits & ~Self.pausedBit }
    }
}

/// What a counting window keeps only while its alert is pending or firing (few windows at a
/// time): the alert, once firing, and the deadline at which the window is checked again.
final class CounterBox {
    var alert: Alert?
    var timer = DeadlineState()
    /// How late the event that made it fire arrived: the window is checked that much later, so an
    /// alert learned late fires for as long as it would have on time.
    var delay: Int64 = 0
}

/// One counting rule's state for one group (a client, an address, a label value): 32 bytes. Its
/// group key is not in it: a client's window is its client's (`lastClient`), and the keys of the
/// other groupings are in the engine's `counterKeys`.
///
/// An idle window has no deadline of its own: its rule's sweep frees it once its newest time has
/// left the window.
struct CounterSlot {
    /// The most recent counted event times, oldest first; at most the rule's `count`.
    var times = EventTimes()
    /// While pending or firing (`nil` while idle): the alert and the deadline.
    private(set) var box: CounterBox?
    /// The client of the last counted event (its reason goes into the annotations); -1 once freed.
    var lastClient: Int32 = 0
    var phase: SlotPhase = .idle
    var notified = false
    /// Changed since the store last saw it.
    var unsaved = false
    /// The store holds a record of it (deleted when the slot is freed).
    var saved = false

    init() {}

    /// A freed slot: on its rule's free list, for the next new group.
    static func freed(unsaved: Bool) -> CounterSlot {
        var slot = CounterSlot()
        slot.lastClient = -1
        slot.unsaved = unsaved
        return slot
    }

    /// Whether the slot is freed (on its rule's free list).
    var isFree: Bool { lastClient < 0 }

    /// The box of a pending or firing window, made when first needed.
    mutating func activeBox() -> CounterBox {
        if let box { return box }
        let made = CounterBox()
        box = made
        return made
    }

    /// The window went idle: its alert and deadline are dropped (the caller settled or forgot the
    /// deadline first).
    mutating func dropBox() { box = nil }

    /// The deadline state, if the window is pending or firing.
    var timer: DeadlineState? { box?.timer }

    var alert: Alert? {
        get { box?.alert }
        set {
            if let newValue {
                activeBox().alert = newValue
            } else {
                box?.alert = nil
            }
        }
    }
}
