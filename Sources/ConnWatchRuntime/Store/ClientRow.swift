import ConnWatchCore
import Foundation
import GRDB

/// A client's row in the `clients` table: readable columns for the state (enum values as their
/// label text, so `sqlite3` shows what the API shows) and the connection log as one compact blob.
enum ClientRow {
    static func arguments(_ client: ClientState) -> StatementArguments {
        [
            client.clientID, client.broker, client.clientType.label, client.orgID, client.typeID, client.deviceID,
            client.appID, client.status.label, client.lastConnectTime, client.lastDisconnectTime,
            client.lastActivityEvent?.name, client.lastActivityTime, client.disconnectedBy?.label,
            client.reasonCode, client.reasonText, client.cause?.label, client.protocolName, client.clientAddress,
            client.lastSequence, encodeLog(client.log),
        ]
    }

    /// The columns `client(from:)` reads, in its order.
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

    /// A client from a row of `SELECT \(columns)` (read by position: a million rows load in seconds).
    static func client(from row: Row, logCapacity: Int) -> ClientState {
        let identity = StatusEvent(
            action: .connect,
            clientID: row[0],
            clientType: ClientType(label: row[2] ?? "") ?? .unknown,
            orgID: row[3],
            typeID: row[4],
            deviceID: row[5],
            appID: row[6],
            time: 0
        )
        let blob: Data? = row[19]
        let log = decodeLog(blob ?? Data())
        var client = ClientState(event: identity, broker: row[1], logCapacity: logCapacity)
        client.status = label(row[7], in: [ConnectionStatus.connected, .disconnected, .unknown], \.label) ?? .unknown
        client.lastConnectTime = row[8]
        client.lastDisconnectTime = row[9]
        client.lastActivityEvent = label(row[10], in: StatusAction.allCases, \.name)
        client.lastActivityTime = row[11]
        client.disconnectedBy = label(row[12], in: DisconnectInitiator.allCases, \.label)
        client.reasonCode = row[13]
        client.reasonText = row[14]
        client.cause = label(row[15], in: DisconnectCause.allCases, \.label)
        client.protocolName = row[16]
        client.clientAddress = row[17]
        client.lastSequence = row[18]
        for entry in log { client.log.append(entry) }
        return client
    }

    private static func label<T>(_ text: String?, in cases: [T], _ name: (T) -> String) -> T? {
        guard let text else { return nil }
        return cases.first { name($0) == text }
    }

    // MARK: Connection log blob

    /// Version 1: per entry `action`, `flags`, time (8 bytes), then what the flags announce:
    /// reason code (8), cause (1), initiator (1), reason text and address (4-byte length + UTF-8).
    /// Enum values are stored by their position in `allCases`.
    static func encodeLog(_ log: ConnectionLog) -> Data {
        var bytes: [UInt8] = [1]
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
        return Data(bytes)
    }

    /// The entries of a log blob; a damaged blob yields the entries before the damage.
    static func decodeLog(_ data: Data) -> [ConnectionLogEntry] {
        var reader = ByteReader(bytes: [UInt8](data))
        guard reader.byte() == 1 else { return [] }
        var entries: [ConnectionLogEntry] = []
        while !reader.isAtEnd {
            guard let action = reader.byte(), let flags = reader.byte(), let time = reader.int64(),
                Int(action) < StatusAction.allCases.count
            else { break }
            var event = StatusEvent(action: StatusAction.allCases[Int(action)], clientID: "", time: time)
            if flags & 2 != 0 {
                guard let code = reader.int64() else { break }
                event.reasonCode = Int(truncatingIfNeeded: code)
            }
            if flags & 4 != 0 {
                guard let cause = reader.byte(), Int(cause) < DisconnectCause.allCases.count else { break }
                event.cause = DisconnectCause.allCases[Int(cause)]
            }
            if flags & 8 != 0 {
                guard let initiator = reader.byte(), Int(initiator) < DisconnectInitiator.allCases.count else { break }
                event.initiator = DisconnectInitiator.allCases[Int(initiator)]
            }
            if flags & 16 != 0 {
                guard let text = reader.string() else { break }
                event.reasonText = text
            }
            if flags & 32 != 0 {
                guard let address = reader.string() else { break }
                event.clientAddress = address
            }
            entries.append(ConnectionLogEntry(event: event, applied: flags & 1 != 0))
        }
        return entries
    }

    static func encodeTimes(_ times: [Int64]) -> Data {
        var bytes: [UInt8] = []
        for time in times { append(time, to: &bytes) }
        return Data(bytes)
    }

    static func decodeTimes(_ data: Data) -> [Int64] {
        var reader = ByteReader(bytes: [UInt8](data))
        var times: [Int64] = []
        while let time = reader.int64() { times.append(time) }
        return times
    }

    private static func append(_ value: Int64, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func append(_ text: String, to bytes: inout [UInt8]) {
        let utf8 = Array(text.utf8)
        withUnsafeBytes(of: UInt32(utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: utf8)
    }

    private struct ByteReader {
        let bytes: [UInt8]
        var offset = 0

        var isAtEnd: Bool { offset >= bytes.count }

        mutating func byte() -> UInt8? {
            guard offset < bytes.count else { return nil }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func int64() -> Int64? {
            guard bytes.count - offset >= 8 else { return nil }
            var value: UInt64 = 0
            for index in 0..<8 { value |= UInt64(bytes[offset + index]) << (8 * UInt64(index)) }
            offset += 8
            return Int64(bitPattern: value)
        }

        mutating func string() -> String? {
            guard bytes.count - offset >= 4 else { return nil }
            var length = 0
            for index in 0..<4 { length |= Int(bytes[offset + index]) << (8 * index) }
            offset += 4
            guard bytes.count - offset >= length else { return nil }
            defer { offset += length }
            return String(decoding: bytes[offset..<offset + length], as: UTF8.self)
        }
    }
}
