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
        encode(log.entries, into: &bytes)
    }

    /// Appends one entry's bytes.
    static func append(_ entry: ConnectionLogEntry, to bytes: inout [UInt8]) {
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

    /// Calls `body` with each entry of a log blob, in order; a damaged blob yields the entries
    /// before the damage. `text` makes the strings (so a reader can share repeated ones).
    @inlinable
    public static func forEachEntry(
        in bytes: UnsafeRawBufferPointer,
        text: (UnsafeRawBufferPointer) -> String,
        _ body: (ConnectionLogEntry) -> Void
    ) {
        forEachFields(in: bytes, text: text) { fields in
            body(
                ConnectionLogEntry(
                    action: fields.action,
                    time: fields.time,
                    reasonCode: fields.reasonCode,
                    reasonText: fields.reasonText,
                    cause: fields.cause,
                    initiator: fields.initiator,
                    clientAddress: fields.clientAddress,
                    applied: fields.applied
                )
            )
        }
    }

    /// The ``ConnectionSummary`` of a log blob, read without making a text or an entry (a restart
    /// reads one per client: the texts are only hashed); a damaged blob yields the summary of the
    /// entries before the damage.
    public static func summary(of bytes: UnsafeRawBufferPointer) -> ConnectionSummary {
        var summary = ConnectionSummary()
        forEachFields(in: bytes, text: ConnectionSummary.hash(utf8:)) { fields in
            summary.record(
                action: fields.action,
                time: fields.time,
                reasonCode: fields.reasonCode,
                cause: fields.cause,
                textHash: fields.reasonText,
                applied: fields.applied
            )
        }
        return summary
    }

    /// One entry as read, its texts made by the reader's `text`.
    @usableFromInline
    struct Fields<Text> {
        @usableFromInline var action: StatusAction
        @usableFromInline var time: Int64
        @usableFromInline var applied: Bool
        @usableFromInline var reasonCode: Int?
        @usableFromInline var cause: DisconnectCause?
        @usableFromInline var initiator: DisconnectInitiator?
        @usableFromInline var reasonText: Text?
        @usableFromInline var clientAddress: Text?
        /// Where the entry's bytes end in the blob.
        @usableFromInline var end = 0

        @inlinable
        init(action: StatusAction, time: Int64, applied: Bool) {
            self.action = action
            self.time = time
            self.applied = applied
        }
    }

    /// The one reader of the format: calls `body` with each entry's fields, stopping at damage.
    @inlinable
    static func forEachFields<Text>(
        in bytes: UnsafeRawBufferPointer,
        text: (UnsafeRawBufferPointer) -> Text,
        _ body: (Fields<Text>) -> Void
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
            var fields = Fields<Text>(action: actions[Int(action)], time: time, applied: flags & 1 != 0)
            if flags & 2 != 0 {
                guard let code = reader.int64() else { return }
                fields.reasonCode = Int(truncatingIfNeeded: code)
            }
            if flags & 4 != 0 {
                guard let cause = reader.byte(), Int(cause) < causes.count else { return }
                fields.cause = causes[Int(cause)]
            }
            if flags & 8 != 0 {
                guard let initiator = reader.byte(), Int(initiator) < initiators.count else { return }
                fields.initiator = initiators[Int(initiator)]
            }
            if flags & 16 != 0 {
                guard let bytes = reader.string() else { return }
                fields.reasonText = text(bytes)
            }
            if flags & 32 != 0 {
                guard let bytes = reader.string() else { return }
                fields.clientAddress = text(bytes)
            }
            fields.end = reader.offset
            body(fields)
        }
    }

    /// The blob of the log `bytes` holds (empty or damaged bytes: the entries before the damage)
    /// with `entries` appended, keeping the newest `capacity` entries.
    public static func appending(
        _ entries: [ConnectionLogEntry],
        to bytes: UnsafeRawBufferPointer,
        capacity: Int
    ) -> [UInt8] {
        var added: [UInt8] = []
        encode(entries, into: &added)
        return added.withUnsafeBytes { appending(blob: $0, to: bytes, capacity: capacity) }
    }

    /// Encodes `entries` as a log blob (emptied first).
    public static func encode(_ entries: [ConnectionLogEntry], into bytes: inout [UInt8]) {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(version)
        for entry in entries { append(entry, to: &bytes) }
    }

    /// The log blob `bytes` with the entries of the log blob `added` appended, the newest
    /// `capacity` kept, copied as bytes (nothing is decoded): the state store's
    /// `connwatch_log_append` SQL function, run when a commit updates a client's row. Damaged
    /// bytes in either count up to the damage.
    public static func appending(
        blob added: UnsafeRawBufferPointer,
        to bytes: UnsafeRawBufferPointer,
        capacity: Int
    ) -> [UInt8] {
        let capacity = max(capacity, 0)
        let savedEnds = entryEnds(bytes)
        let addedEnds = entryEnds(added)
        let keepAdded = min(addedEnds.count, capacity)
        let keepSaved = min(savedEnds.count, capacity - keepAdded)
        var result: [UInt8] = [version]
        result.append(contentsOf: newest(keepSaved, of: bytes, ends: savedEnds))
        result.append(contentsOf: newest(keepAdded, of: added, ends: addedEnds))
        return result
    }

    /// Where each whole entry of a log blob ends.
    private static func entryEnds(_ bytes: UnsafeRawBufferPointer) -> [Int] {
        var ends: [Int] = []
        forEachFields(in: bytes, text: { _ in () }, { ends.append($0.end) })
        return ends
    }

    /// The bytes of the newest `count` entries of a blob whose entries end at `ends`.
    private static func newest(
        _ count: Int,
        of bytes: UnsafeRawBufferPointer,
        ends: [Int]
    ) -> Slice<UnsafeRawBufferPointer> {
        guard count > 0, let last = ends.last else { return bytes[0..<0] }
        let start = count == ends.count ? 1 : ends[ends.count - count - 1]
        return bytes[start..<last]
    }
}
