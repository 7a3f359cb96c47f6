import ConnWatchCore
import Foundation
import GRDB

/// A client's row in the `clients` table: readable columns for the state (enum values as their
/// label text, so `sqlite3` shows what the API shows) and the connection log as one compact blob.
enum ClientRow {
    /// The columns of a client's row, in the order `ClientRowReader` reads and `ClientRowWriter` binds them.
    static let columns =
        "id, broker, client_type, org_id, type_id, device_id, app_id, status, last_connect, last_disconnect, "
        + "last_activity_event, last_activity, disconnected_by, reason_code, reason_text, cause, protocol, address, "
        + "sequence, log"

    /// Inserts a client or updates it in place (its rowid, and so the first-seen order, stays).
    static let upsert: String = {
        let names = columns.components(separatedBy: ", ")
        let updates = names.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: names.count).joined(separator: ", ")
        return "INSERT INTO clients (\(columns)) VALUES (\(placeholders)) ON CONFLICT(id) DO UPDATE SET \(updates)"
    }()

    // MARK: Connection log blob

    /// Version 1: per entry `action`, `flags`, time (8 bytes), then what the flags announce:
    /// reason code (8), cause (1), initiator (1), reason text and address (4-byte length + UTF-8).
    /// Enum values are stored by their position in `allCases`.
    /// Encodes `log` into `bytes` (emptied first; a writer reuses one buffer for every row).
    static func encodeLog(_ log: ConnectionLog, into bytes: inout [UInt8]) {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(1)
        for entry in log.entries {
            var flags: UInt8 = entry.applied ? 1 : 0
            if entry.reasonCode != nil { flags |= 2 }
            if entry.cause != nil { flags |= 4 }
            if entry.initiator != nil { flags |= 8 }
            if entry.reasonText != nil { flags |= 16 }
            if entry.clientAddress != nil { flags |= 32 }
            bytes.append(UInt8(StatusAction.allCases.firstIndex(of: entry.action) ?? 0))
            bytes.append(flags)
            append(entry.time, to: &bytes)
            if let code = entry.reasonCode { append(Int64(code), to: &bytes) }
            if let cause = entry.cause { bytes.append(UInt8(DisconnectCause.allCases.firstIndex(of: cause) ?? 0)) }
            if let initiator = entry.initiator {
                bytes.append(UInt8(DisconnectInitiator.allCases.firstIndex(of: initiator) ?? 0))
            }
            if let text = entry.reasonText { append(text, to: &bytes) }
            if let address = entry.clientAddress { append(address, to: &bytes) }
        }
    }

    /// Calls `body` with each entry of a log blob, in order; a damaged blob yields the entries
    /// before the damage. `text` makes the strings (so a reader can share repeated ones).
    @inline(__always)
    static func forEachLogEntry(
        in bytes: UnsafeRawBufferPointer,
        text: (UnsafeRawBufferPointer) -> String,
        _ body: (ConnectionLogEntry) -> Void
    ) {
        var reader = ByteReader(bytes: bytes)
        guard reader.byte() == 1 else { return }
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

    static func encodeTimes(_ times: [Int64]) -> Data {
        var bytes: [UInt8] = []
        for time in times { append(time, to: &bytes) }
        return Data(bytes)
    }

    static func decodeTimes(_ data: Data) -> [Int64] {
        data.withUnsafeBytes { bytes in
            var reader = ByteReader(bytes: bytes)
            var times: [Int64] = []
            while let time = reader.int64() { times.append(time) }
            return times
        }
    }

    private static func append(_ value: Int64, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func append(_ text: String, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: UInt32(text.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: text.utf8)
    }

    private struct ByteReader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        var isAtEnd: Bool { offset >= bytes.count }

        mutating func byte() -> UInt8? {
            guard offset < bytes.count else { return nil }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func int64() -> Int64? {
            guard bytes.count - offset >= 8 else { return nil }
            let value = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            offset += 8
            return Int64(bitPattern: UInt64(littleEndian: value))
        }

        mutating func string() -> UnsafeRawBufferPointer? {
            guard bytes.count - offset >= 4 else { return nil }
            let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            offset += 4
            guard bytes.count - offset >= length else { return nil }
            defer { offset += length }
            return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length])
        }
    }
}
