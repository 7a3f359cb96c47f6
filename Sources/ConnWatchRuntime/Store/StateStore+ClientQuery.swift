import ConnWatchCore
import GRDB

extension StateStore {
    /// The columns a page reads: a row's connection log is not part of a page, so it is not read.
    static let pageColumns = ClientRow.columns.replacingOccurrences(of: ", log", with: ", NULL")

    /// Registers the index that keeps a page of one connection status O(page + log n).
    static func registerQueryMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("3-clients-by-status") { db in
            try db.execute(sql: "CREATE INDEX IF NOT EXISTS clients_by_status ON clients (status, id)")
        }
    }

    /// Registers the index of the offline clients, newest disconnect first (after the counters'
    /// migration 4): the web console lists them so, and without it SQLite sorted every offline
    /// client for each page (a second at a million). Partial, so writes of connected clients (most
    /// of a healthy fleet) do not maintain it; the query names the status as a literal so that
    /// SQLite can use it.
    static func registerNewestFirstMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("5-offline-clients-newest") { db in
            try db.execute(
                sql: """
                    CREATE INDEX IF NOT EXISTS offline_clients_newest ON clients (last_disconnect DESC, id)
                    WHERE status = 'disconnected'
                    """
            )
        }
    }

    /// The statement of one page: SQLite's planner prefers the status index and sorts, so the
    /// offline clients newest first are read in the order of their own index instead.
    static func pageSQL(_ query: ClientStateQuery) -> (sql: String, arguments: [SQLArgument]) {
        let newestOffline =
            query.connectionStatus == .disconnected && query.sort == .lastDisconnectTime && query.descending
        let table = newestOffline ? "clients INDEXED BY offline_clients_newest" : "clients"
        return query.sql(columns: Self.pageColumns, table: table)
    }

    /// One page of `GET /api/v0002/clientconnectionstates`, read on a reader connection: the
    /// engine's loop is not involved, and the page sees the clients as last committed.
    public func clientPage(_ query: ClientStateQuery) throws -> ClientStateQuery.Page {
        let (sql, arguments) = Self.pageSQL(query)
        return try pool.read { db in
            let statement = try db.makeStatement(sql: sql)
            statement.setUncheckedArguments(
                StatementArguments(
                    arguments.map { argument -> (any DatabaseValueConvertible)? in
                        switch argument {
                        case .text(let text): return text
                        case .integer(let value): return value
                        }
                    }
                )
            )
            let rows = try Row.fetchCursor(statement)
            var reader = ClientRowReader(logCapacity: 1)
            var clients: [ClientState] = []
            clients.reserveCapacity(query.limit + 1)
            while try rows.next() != nil {
                clients.append(reader.client(from: statement.sqliteStatement))
            }
            return query.page(fromRows: clients)
        }
    }
}
