import ConnWatchCore
import GRDB
import GRDBSQLite

/// Upserts clients with `ClientRow.upsert`, binding each field straight to SQLite (no argument
/// values are boxed on the way): the writer's cost per changed client is mostly SQLite's own.
/// The connection log is not written here (see `ConnectionLogWriter`).
struct ClientRowWriter {
    private let database: Database
    private let statement: Statement
    /// The log a new row starts with (entries are appended by `ConnectionLogWriter`).
    private static let emptyLog: [UInt8] = {
        var bytes: [UInt8] = []
        ConnectionLogBlob.encode(ConnectionLog(capacity: 0), into: &bytes)
        return bytes
    }()

    init(_ database: Database) throws {
        self.database = database
        statement = try database.cachedStatement(sql: ClientRow.upsert)
    }

    mutating func write(_ client: ClientState) throws {
        let handle = statement.sqliteStatement
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        bind(client.clientID, 1)
        bind(client.broker, 2)
        bind(client.clientType.label, 3)
        bind(client.orgID, 4)
        bind(client.typeID, 5)
        bind(client.deviceID, 6)
        bind(client.appID, 7)
        bind(client.status.label, 8)
        bind(client.lastConnectTime, 9)
        bind(client.lastDisconnectTime, 10)
        bind(client.lastActivityEvent?.name, 11)
        bind(client.lastActivityTime, 12)
        bind(client.disconnectedBy?.label, 13)
        bind(client.reasonCode.map(Int64.init), 14)
        bind(client.reasonText, 15)
        bind(client.cause?.label, 16)
        bind(client.protocolName, 17)
        bind(client.clientAddress, 18)
        bind(client.lastSequence, 19)
        Self.emptyLog.withUnsafeBytes { bytes in
            _ = sqlite3_bind_blob(handle, 20, bytes.baseAddress, Int32(bytes.count), SQLiteBinding.transient)
        }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code),
                message: String(cString: sqlite3_errmsg(database.sqliteConnection)),
                sql: ClientRow.upsert
            )
        }
    }

    private func bind(_ text: String?, _ index: Int32) {
        SQLiteBinding.bind(text, at: index, to: statement.sqliteStatement)
    }

    private func bind(_ number: Int64?, _ index: Int32) {
        SQLiteBinding.bind(number, at: index, to: statement.sqliteStatement)
    }
}
