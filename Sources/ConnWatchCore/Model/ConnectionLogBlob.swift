/// The state store's binary form of a ``ConnectionLog`` (the `log` column of a client's row).
///
/// Version 1: a version byte, then per entry `action`, `flags`, time (8 bytes), then what the flags
/// announce: reason code (8), cause (1), initiator (1), reason text and address (4-byte length + UTF-8).
/// Integers are little-endian; enum values are stored by their position in `allCases`.
public enum ConnectionLogBlob {
    /// The version byte the encoder writes and the decoder reads.
    public static let version: UInt8 = 1

    /// Encodes `log` into `bytes` (emptied first; a writer reuses one buffer for every row).
    public static func encode(_ log: ConnectionLog, into bytes: inout [UInt8]) {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(version)
        for entry in log.entries {
            var flags: UInt8 = entry.applied ? 1 : 0
            if entry.reasonCode != nil { flags |= 2 }
            if entry.cause != nil { flags |= 4 }
            if entry.initiator != nil { flags |= 8 }
            if entry.reasonText != nil { flags |= 16 }
            if entry.clientAddress != nil { flags |= 32 }
            bytes.append(UInt8(StatusAction.allCases.firstIndex(of: entry.action) ?? 0))
            bytes.append(flags)
            LittleEndianBytes.append(entry.time, to: &bytes)
            if let code = entry.reasonCode { LittleEndianBytes.append(Int64(code), to: &bytes) }
            if let cause = entry.cause { bytes.append(UInt8(DisconnectCause.allCases.firstIndex(of: cause) ?? 0)) }
            if let initiator = entry.initiator {
                bytes.append(UInt8(DisconnectInitiator.allCases.firstIndex(of: initiator) ?? 0))
            }
            if let text = entry.reasonText { LittleEndianBytes.append(text, to: &bytes) }
            if let address = entry.clientAddress { LittleEndianBytes.append(address, to: &bytes) }
        }
    }

    /// Calls `body` with each entry of a log blob, in order; a damaged blob yields the entries
    /// before the damage. `text` makes the strings (so a reader can share repeated ones).
    @inlinable
    public static func forEachEntry(
        in bytes: UnsafeRawBufferPointer,
        text: (UnsafeRawBufferPointer) -> String,
        _ body: (ConnectionLogEntry) -> Void
    ) {
        var reader = LittleEndianBytes.Reader(bytes: bytes)
        guard reader.byte() == version else { return }
        let actions = StatusAction.allCases
        let causes = DisconnectCause.allCases
        let initiators = DisconnectInitiator.allCases
        while !reader.isAtEnd {
            guard let action = reader.byte(), let flags = reader.byte(), let time = reader.int64(),
                Int(action) < actions.count
            else { return }
            var entry = ConnectionLogEntry(action: actions[Int(action)], time: time, applied: flags & 1 != 0)
            if flags & 2 != 0 {
                guard let code = reader.int64() else { return }
                entry.reasonCode = Int(truncatingIfNeeded: code)
            }
            if flags & 4 != 0 {
                guard let cause = reader.byte(), Int(cause) < causes.count else { return }
                entry.cause = causes[Int(cause)]
            }
            if flags & 8 != 0 {
                guard let initiator = reader.byte(), Int(initiator) < initiators.count else { return }
                entry.initiator = initiators[Int(initiator)]
            }
            if flags & 16 != 0 {
                guard let bytes = reader.string() else { return }
                entry.reasonText = text(bytes)
            }
            if flags & 32 != 0 {
                guard let bytes = reader.string() else { return }
                entry.clientAddress = text(bytes)
            }
            body(entry)
        }
    }
}
