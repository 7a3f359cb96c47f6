import ConnWatchCore

/// The state store's blobs: a client's connection log (``ConnectionLogBlob``, with the ring buffer of
/// ``ConnectionLog`` it is written from, the ``ConnectionSummary`` a restart reads from it, and the
/// appending each commit does) and a counting window's times (``TimeListBlob``).
enum StateStoreFuzz {
    static func run(_ bytes: [UInt8]) -> [String] {
        decodeAny(bytes) + roundTrip(bytes) + times(bytes)
    }

    /// Any bytes as a log blob: decoding stops at the first damage without trapping, never yields more
    /// entries than the bytes can hold, and what it yields encodes and decodes to itself.
    static func decodeAny(_ bytes: [UInt8]) -> [String] {
        let entries = decode(bytes)
        var problems: [String] = []
        // An entry takes at least action, flags and time: 10 bytes after the version byte.
        if entries.count * 10 > max(bytes.count - 1, 0) {
            problems.append("\(entries.count) entries decoded from \(bytes.count) bytes")
        }
        if decode(bytes) != entries { problems.append("log blob decoding is not deterministic") }
        var log = ConnectionLog(capacity: max(entries.count, 1))
        for entry in entries { log.append(entry) }
        var again: [UInt8] = []
        ConnectionLogBlob.encode(log, into: &again)
        if decode(again) != entries { problems.append("decoded entries do not survive encode → decode") }
        // What a restart reads of the log (without making its entries) is the summary of its entries.
        if bytes.withUnsafeBytes({ ConnectionLogBlob.summary(of: $0) }) != ConnectionSummary(entries) {
            problems.append("the summary read from the bytes differs from that of the decoded entries")
        }
        // Appending to any bytes keeps what they hold, then the new entries, the newest `capacity`.
        let appended = entries.reversed().prefix(2)
        let merged = bytes.withUnsafeBytes { ConnectionLogBlob.appending(Array(appended), to: $0, capacity: 3) }
        if decode(merged) != Array((entries + appended).suffix(3)) {
            problems.append("appending to a log blob does not keep the newest entries")
        }
        return problems
    }

    /// A log built from the bytes: it keeps the last `capacity` entries appended, oldest first, and
    /// encodes and decodes to exactly those entries.
    static func roundTrip(_ bytes: [UInt8]) -> [String] {
        var input = FuzzBytes(bytes)
        let capacity = Int(input.byte() % 8)
        var log = ConnectionLog(capacity: capacity)
        var appended: [ConnectionLogEntry] = []
        while !input.isAtEnd && appended.count < 64 {
            let entry = entry(&input)
            log.append(entry)
            appended.append(entry)
        }
        var problems: [String] = []
        let expected = Array(appended.suffix(capacity))
        if log.entries != expected {
            problems.append("the log keeps \(log.entries) after appending \(appended) with capacity \(capacity)")
        }
        if log.count != expected.count { problems.append("count \(log.count), expected \(expected.count)") }
        if log.oldestTime != expected.first?.time { problems.append("oldestTime is not the first entry's time") }
        var blob: [UInt8] = []
        ConnectionLogBlob.encode(log, into: &blob)
        if decode(blob) != log.entries { problems.append("a log does not survive encode → decode") }
        return problems
    }

    /// Any bytes as a times blob: one time per 8 bytes, and the times encode back to those bytes.
    static func times(_ bytes: [UInt8]) -> [String] {
        let times = bytes.withUnsafeBytes { TimeListBlob.decode($0) }
        var problems: [String] = []
        if times.count != bytes.count / 8 { problems.append("\(times.count) times from \(bytes.count) bytes") }
        if TimeListBlob.encode(times) != Array(bytes.prefix(times.count * 8)) {
            problems.append("times do not encode back to their bytes")
        }
        return problems
    }

    private static func decode(_ bytes: [UInt8]) -> [ConnectionLogEntry] {
        var entries: [ConnectionLogEntry] = []
        bytes.withUnsafeBytes { blob in
            ConnectionLogBlob.forEachEntry(in: blob, text: { String(decoding: $0, as: UTF8.self) }) {
                entries.append($0)
            }
        }
        return entries
    }

    /// Reason codes at the edges of the 32-bit slot ``ConnectionLog`` keeps them in, and any other.
    private static let edgeCodes = [0, 1, -1, Int(Int32.max), Int(Int32.min), Int(Int32.max) + 1, Int(Int32.min) - 1]

    private static func entry(_ input: inout FuzzBytes) -> ConnectionLogEntry {
        let action = StatusAction.allCases[Int(input.byte()) % StatusAction.allCases.count]
        let time = input.int64()
        let codeKind = input.byte()
        var reasonCode: Int?
        switch codeKind % 4 {
        case 0: reasonCode = nil
        case 1: reasonCode = edgeCodes[Int(codeKind / 4) % edgeCodes.count]
        default: reasonCode = Int(input.int64())
        }
        return ConnectionLogEntry(
            action: action,
            time: time,
            reasonCode: reasonCode,
            reasonText: input.bool() ? input.text() : nil,
            cause: input.optional(DisconnectCause.allCases),
            initiator: input.optional(DisconnectInitiator.allCases),
            clientAddress: input.bool() ? input.text() : nil,
            applied: input.bool()
        )
    }
}
