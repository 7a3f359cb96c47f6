import ConnWatchCore
import GRDB
import GRDBSQLite

/// Upserts clients with `ClientRow.upsert`, binding each field straight to SQLite (no argument
/// values are boxed on the way): the writer's cost per changed client is mostly SQLite's own.
/// The log it binds is the entries made since the last commit, which SQLite appends to the saved
/// log (`ConnectionLogFunction`).
struct ClientRowWriter {
    private let database: Database
    private let statement: Statement
    /// A log blob without entries.
    static let emptyLog: [UInt8] = {
        var bytes: [UInt8] = []
        ConnectionLogBlob.encode(ConnectionLog(capacity: 0), into: &bytes)
        return bytes
    }()

    init(_ database: Database) throws {
        self.database = database
        statement = try database.cachedStatement(sql: ClientRow.upsert)
    }

    /// Writes `client`'s row, its saved log with the entries of the log blob `added` appended
    /// (the newest `capacity` kept).
    mutating func write(_ client: ClientState, added: [UInt8] = Self.emptyLog, capacity: Int) throws {
        let handle = statement.sqliteStatement
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        SQLiteBinding.bind(client.clientID, at: 1, to: handle)
        SQLiteBinding.bind(client.broker, at: 2, to: handle)
        SQLiteBinding.bind(client.clientType.label, at: 3, to: handle)
        SQLiteBinding.bind(client.orgID, at: 4, to: handle)
        SQLiteBinding.bind(client.typeID, at: 5, to: handle)
        SQLiteBinding.bind(client.deviceID, at: 6, to: handle)
        SQLiteBinding.bind(client.appID, at: 7, to: handle)
        SQLiteBinding.bind(client.status.label, at: 8, to: handle)
        SQLiteBinding.bind(client.lastConnectTime, at: 9, to: handle)
        SQLiteBinding.bind(client.lastDisconnectTime, at: 10, to: handle)
        SQLiteBinding.bind(client.lastActivityEvent?.name, at: 11, to: handle)
        SQLiteBinding.bind(client.lastActivityTime, at: 12, to: handle)
        SQLiteBinding.bind(client.disconnectedBy?.label, at: 13, to: handle)
        SQLiteBinding.bind(client.reasonCode.map(Int64.init), at: 14, to: handle)
        SQLiteBinding.bind(client.reasonText, at: 15, to: handle)
        SQLiteBinding.bind(client.cause?.label, at: 16, to: handle)
        SQLiteBinding.bind(client.protocolName, at: 17, to: handle)
        SQLiteBinding.bind(client.clientAddress, at: 18, to: handle)
        SQLiteBinding.bind(client.lastSequence, at: 19, to: handle)
        added.withUnsafeBytes { bytes in
            _ = sqlite3_bind_blob(handle, 20, bytes.baseAddress, Int32(bytes.count), SQLiteBinding.transient)
        }
        SQLiteBinding.bind(Int64(capacity), at: 21, to: handle)
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code),
                message: String(cString: sqlite3_errmsg(database.sqliteConnection)),
                sql: ClientRow.upsert
            )
        }
    }
}
