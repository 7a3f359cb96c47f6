import ConnWatchCore
import GRDB
import GRDBSQLite

/// Appends connection-log entries to clients' saved logs (the `log` blob of their rows), keeping
/// the newest `capacity` of each: one read of the row's blob per client and commit, however many
/// entries the client gathered meanwhile, and the merged log written with the row
/// (`ClientRowWriter`), or on its own (`append`) for a client whose row is not rewritten.
struct ConnectionLogWriter {
    private let database: Database
    private let select: Statement
    private let update: Statement

    init(_ database: Database) throws {
        self.database = database
        select = try database.cachedStatement(sql: "SELECT log FROM clients WHERE id = ?")
        update = try database.cachedStatement(sql: "UPDATE clients SET log = ? WHERE id = ?")
    }

    /// The saved log of `clientID` (none for a new client) with `entries` (oldest first) appended,
    /// the newest `capacity` kept; `nil` when the client has no row.
    func merged(_ entries: [ConnectionLogEntry], to clientID: String, capacity: Int) throws -> [UInt8]? {
        let selectHandle = select.sqliteStatement
        defer {
            sqlite3_reset(selectHandle)
            sqlite3_clear_bindings(selectHandle)
        }
        try check(SQLiteBinding.bind(clientID, at: 1, to: selectHandle), select.sql)
        let code = sqlite3_step(selectHandle)
        guard code == SQLITE_ROW else {
            try check(code == SQLITE_DONE ? SQLITE_OK : code, select.sql)
            return nil
        }
        var existing = UnsafeRawBufferPointer(start: nil, count: 0)
        if let blob = sqlite3_column_blob(selectHandle, 0) {
            existing = UnsafeRawBufferPointer(start: blob, count: Int(sqlite3_column_bytes(selectHandle, 0)))
        }
        return ConnectionLogBlob.appending(entries, to: existing, capacity: capacity)
    }

    /// Appends `entries` (oldest first) to the log of `clientID`; a client without a row is skipped.
    func append(_ entries: [ConnectionLogEntry], to clientID: String, capacity: Int) throws {
        guard let merged = try merged(entries, to: clientID, capacity: capacity) else { return }

        let updateHandle = update.sqliteStatement
        defer {
            sqlite3_reset(updateHandle)
            sqlite3_clear_bindings(updateHandle)
        }
        let bound = merged.withUnsafeBytes { bytes in
            sqlite3_bind_blob(updateHandle, 1, bytes.baseAddress, Int32(bytes.count), SQLiteBinding.transient)
        }
        try check(bound, update.sql)
        try check(SQLiteBinding.bind(clientID, at: 2, to: updateHandle), update.sql)
        let stepped = sqlite3_step(updateHandle)
        try check(stepped == SQLITE_DONE ? SQLITE_OK : stepped, update.sql)
    }

    private func check(_ code: Int32, _ sql: String) throws {
        guard code != SQLITE_OK else { return }
        throw DatabaseError(
            resultCode: ResultCode(rawValue: code),
            message: String(cString: sqlite3_errmsg(database.sqliteConnection)),
            sql: sql
        )
    }
}
