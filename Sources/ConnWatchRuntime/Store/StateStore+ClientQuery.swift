import ConnWatchCore
import GRDB
import GRDBSQLite

extension StateStore {
    /// The columns a page reads: a row's connection log is not part of a page, so it is not read.
    static let pageColumns = ClientRow.columns.replacingOccurrences(of: ", log", with: ", NULL")

    /// Registers the index that keeps a page of one connection status O(page + log n).
    static func registerQueryMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("3-clients-by-status") { db in
            try db.execute(sql: "CREATE INDEX IF NOT EXISTS clients_by_status ON clients (status, id)")
        }
    }

    /// The statement of one page: a newest-first page of one status is read in the order of that
    /// status's own index (see `NewestFirstIndex`).
    static func pageSQL(_ query: ClientStateQuery) -> (sql: String, arguments: [SQLArgument]) {
        let table = NewestFirstIndex.serving(query).map { "clients INDEXED BY \($0.name)" } ?? "clients"
        return query.sql(columns: Self.pageColumns, table: table)
    }

    /// One page of `GET /api/v0002/clientconnectionstates`, read on a reader connection: the
    /// engine's loop is not involved, and the page sees the clients as last committed.
    public func clientPage(_ query: ClientStateQuery) throws -> ClientStateQuery.Page {
        let (sql, arguments) = Self.pageSQL(query)
        return try pool.read { db in
            let statement = try db.makeStatement(sql: sql)
            // Bound and stepped here rather than through GRDB's arguments: see `SQLiteBinding`.
            try SQLiteBinding.bind(arguments, to: statement)
            let handle = statement.sqliteStatement
            defer { sqlite3_reset(handle) }
            var reader = ClientRowReader()
            var clients: [ClientState] = []
            clients.reserveCapacity(query.limit + 1)
            while true {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else {
                    throw DatabaseError(
                        resultCode: ResultCode(rawValue: code),
                        message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                        sql: sql
                    )
                }
                clients.append(reader.client(from: handle))
            }
            return query.page(fromRows: clients)
        }
    }

    /// The saved connection log of `clientID`, oldest first (empty when it has none or no row),
    /// read on a reader connection: as of the last commit.
    public func connectionLog(of clientID: String) throws -> [ConnectionLogEntry] {
        try pool.read { db in
            let statement = try db.makeStatement(sql: "SELECT log FROM clients WHERE id = ?")
            let handle = statement.sqliteStatement
            defer { sqlite3_reset(handle) }
            try SQLiteBinding.bind([.text(clientID)], to: statement)
            var entries: [ConnectionLogEntry] = []
            let code = sqlite3_step(handle)
            if code == SQLITE_ROW, let blob = sqlite3_column_blob(handle, 0) {
                let bytes = UnsafeRawBufferPointer(start: blob, count: Int(sqlite3_column_bytes(handle, 0)))
                ConnectionLogBlob.forEachEntry(in: bytes, text: { String(decoding: $0, as: UTF8.self) }) {
                    entries.append($0)
                }
            } else if code != SQLITE_ROW && code != SQLITE_DONE {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code),
                    message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                    sql: statement.sql
                )
            }
            return entries
        }
    }
}
