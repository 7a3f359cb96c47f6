import ConnWatchCore
import GRDBSQLite

/// Makes clients from rows of `SELECT \(ClientRow.columns)`, reading SQLite's column buffers
/// directly: a million rows in about a second.
///
/// Clients of one label set share it, and texts many rows repeat (reasons, protocol names, long
/// addresses) are made once, so restored clients take no more memory than clients built from
/// the feed.
struct ClientRowReader {
    private var labels = SharedLabelsCache()
    private var texts = TextCache()

    init() {}

    /// The client in the current row of `statement`.
    mutating func client(from statement: OpaquePointer) -> ClientState {
        let row = RawRow(statement: statement)
        var client = ClientState(
            clientID: row.string(0) ?? "",
            clientType: row.string(2).flatMap(ClientType.init(label:)) ?? .unknown,
            orgID: row.string(3) ?? "",
            typeID: row.string(4) ?? "",
            deviceID: row.string(5) ?? "",
            appID: row.string(6) ?? "",
            broker: row.string(1) ?? "",
            labels: &labels
        )
        client.status = row.string(7).flatMap { Self.statuses[$0] } ?? .unknown
        client.lastConnectTime = row.int64(8)
        client.lastDisconnectTime = row.int64(9)
        client.lastActivityEvent = row.string(10).flatMap { Self.actions[$0] }
        client.lastActivityTime = row.int64(11)
        client.disconnectedBy = row.string(12).flatMap { Self.initiators[$0] }
        client.reasonCode = row.int64(13).map { Int($0) }
        client.reasonText = row.bytes(14).map { texts.text(utf8: $0) }
        client.cause = row.string(15).flatMap { Self.causes[$0] }
        client.protocolName = row.bytes(16).map { texts.text(utf8: $0) }
        client.clientAddress = row.bytes(17).map { texts.text(utf8: $0) }
        client.lastSequence = row.int64(18)
        // Only what the engine needs of the log: the log itself stays in the store.
        if let blob = row.blob(19) { client.summary = ConnectionLogBlob.summary(of: blob) }
        return client
    }

    private static func byLabel<T>(_ cases: [T], _ label: (T) -> String) -> [String: T] {
        Dictionary(cases.map { (label($0), $0) }, uniquingKeysWith: { first, _ in first })
    }

    private static let statuses = byLabel([ConnectionStatus.connected, .disconnected, .unknown], \.label)
    private static let actions = byLabel(StatusAction.allCases, \.name)
    private static let initiators = byLabel(DisconnectInitiator.allCases, \.label)
    private static let causes = byLabel(DisconnectCause.allCases, \.label)
}

/// The columns of the current row of a stepped statement.
private struct RawRow {
    let statement: OpaquePointer

    func int64(_ column: Int32) -> Int64? {
        sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : sqlite3_column_int64(statement, column)
    }

    /// The column's text (a blob's bytes as they are); `nil` for NULL.
    func bytes(_ column: Int32) -> UnsafeRawBufferPointer? {
        guard let text = sqlite3_column_text(statement, column) else { return nil }
        return UnsafeRawBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, column)))
    }

    func string(_ column: Int32) -> String? {
        bytes(column).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The column's blob; `nil` for NULL and for an empty blob.
    func blob(_ column: Int32) -> UnsafeRawBufferPointer? {
        guard let blob = sqlite3_column_blob(statement, column) else { return nil }
        return UnsafeRawBufferPointer(start: blob, count: Int(sqlite3_column_bytes(statement, column)))
    }
}
