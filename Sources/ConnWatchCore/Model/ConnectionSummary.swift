/// What the engine keeps of a client's connection log: its newest entry (to recognise an event
/// delivered again), when the latest run of connects or of disconnects began (offline clocks run
/// from the first of repeated disconnects), and when the first entry was made. The log itself is
/// in the state store (``ConnectionLogBlob``), read by the API from there.
///
/// 40 bytes, the same for every client, instead of a log of up to `log_capacity` entries each:
/// the reason text of the newest entry is kept as a 64-bit hash of its UTF-8.
public struct ConnectionSummary: Sendable, Equatable {
    private var newestTime: Int64 = 0
    private var storedRunBegan: Int64 = 0
    private var storedFirstTime = Int64.min
    private var newestTextHash: UInt64 = 0
    private var newestCode: Int32 = 0
    private var newestAction: UInt8 = 0
    private var newestCause: UInt8 = Self.none
    private var flags: UInt8 = 0
    private var runAction: UInt8 = Self.none

    private static let none: UInt8 = 0xFF
    private static let hasNewest: UInt8 = 1
    private static let applied: UInt8 = 2
    private static let hasCode: UInt8 = 4
    /// The newest entry's code does not fit in 32 bits: it is never taken for a repeat.
    private static let wideCode: UInt8 = 8
    private static let hasText: UInt8 = 16

    public init() {}

    /// The summary of a log that holds `entries`, oldest first.
    public init(_ entries: some Sequence<ConnectionLogEntry>) {
        for entry in entries { record(entry) }
    }

    /// Takes in an entry appended to the log.
    public mutating func record(_ entry: ConnectionLogEntry) {
        record(
            action: entry.action,
            time: entry.time,
            reasonCode: entry.reasonCode,
            cause: entry.cause,
            textHash: entry.reasonText.map(Self.hash),
            applied: entry.applied
        )
    }

    /// Takes in an entry given by its parts (`textHash` is ``hash(_:)`` of its reason text).
    mutating func record(
        action: StatusAction,
        time: Int64,
        reasonCode: Int?,
        cause: DisconnectCause?,
        textHash: UInt64?,
        applied: Bool
    ) {
        if storedFirstTime == .min { storedFirstTime = time }
        newestTime = time
        newestAction = action.rawValue
        newestCause = cause?.rawValue ?? Self.none
        flags = Self.hasNewest | (applied ? Self.applied : 0)
        newestCode = 0
        if let reasonCode {
            flags |= Self.hasCode
            if let narrow = Int32(exactly: reasonCode) { newestCode = narrow } else { flags |= Self.wideCode }
        }
        newestTextHash = textHash ?? 0
        if textHash != nil { flags |= Self.hasText }
        guard applied, action != .failedConnect else { return }
        if runAction == action.rawValue {
            storedRunBegan = min(storedRunBegan, time)
        } else {
            runAction = action.rawValue
            storedRunBegan = time
        }
    }

    /// Whether `event` is the log's newest entry delivered again (a retained status, or a QoS 1
    /// message re-sent after a restart): same action, time, reason code, cause and reason text as
    /// the newest entry, which was applied.
    public func repeats(_ event: StatusEvent) -> Bool {
        guard flags & Self.hasNewest != 0, flags & Self.applied != 0, flags & Self.wideCode == 0,
            newestAction == event.action.rawValue, newestTime == event.time,
            newestCause == (event.cause?.rawValue ?? Self.none)
        else { return false }
        switch event.reasonCode {
        case nil: guard flags & Self.hasCode == 0 else { return false }
        case let code?: guard flags & Self.hasCode != 0, Int32(exactly: code) == newestCode else { return false }
        }
        switch event.reasonText {
        case nil: return flags & Self.hasText == 0
        case let text?: return flags & Self.hasText != 0 && Self.hash(text) == newestTextHash
        }
    }

    /// When the client's latest run of applied `action` entries (connects or disconnects) began,
    /// or `nil` when the newest applied connect or disconnect is not `action`. A disconnect
    /// repeated while offline leaves the offline clocks running from the first one, so a restore
    /// starts them from here, not from the last disconnect.
    public func latestRunBegan(_ action: StatusAction) -> Int64? {
        guard action != .failedConnect, runAction == action.rawValue else { return nil }
        return storedRunBegan
    }

    /// The time of the first entry recorded, `nil` when there was none.
    public var firstTime: Int64? { storedFirstTime == .min ? nil : storedFirstTime }

    /// FNV-1a over the UTF-8 of `text`: the same for the same text in every process, so a summary
    /// made from the store's bytes agrees with one made from the feed's text.
    public static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    /// ``hash(_:)`` of the text UTF-8 bytes make, invalid sequences repaired as
    /// `String(decoding:as:)` repairs them (the store's reader makes texts so): no string is made
    /// for ASCII bytes, which are their own text.
    public static func hash(utf8 bytes: UnsafeRawBufferPointer) -> UInt64 {
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return hash(String(decoding: bytes, as: UTF8.self)) }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }
}
