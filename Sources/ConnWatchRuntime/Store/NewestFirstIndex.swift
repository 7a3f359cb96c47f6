import ConnWatchCore
import GRDB

/// A partial index of the clients of one connection status, newest first by the time they entered
/// it: the web console lists each status so, and without such an index SQLite sorted every client
/// of the status for each page (about a second with half a million). Partial, so writes of clients
/// of the other statuses do not maintain it; a page names the status as a literal (SQLite uses a
/// partial index only when the query names its condition) and the index with `INDEXED BY`
/// (the planner would prefer the status index and sort).
struct NewestFirstIndex: Sendable {
    /// The store migration that creates the index.
    var migration: String
    var name: String
    var status: ConnectionStatus
    /// The sort key the index orders by, descending, and the column that holds it.
    var sort: ClientStateQuery.SortKey
    var column: String

    /// The offline clients by disconnect time (store migration 5).
    static let offline = NewestFirstIndex(
        migration: "5-offline-clients-newest",
        name: "offline_clients_newest",
        status: .disconnected,
        sort: .lastDisconnectTime,
        column: "last_disconnect"
    )

    /// The connected clients by connect time (store migration 6).
    static let connected = NewestFirstIndex(
        migration: "6-connected-clients-newest",
        name: "connected_clients_newest",
        status: .connected,
        sort: .lastConnectTime,
        column: "last_connect"
    )

    static let all = [offline, connected]

    /// The index a page of `query` is read through, if one holds it in its order.
    static func serving(_ query: ClientStateQuery) -> NewestFirstIndex? {
        guard query.descending else { return nil }
        return all.first { $0.status == query.connectionStatus && $0.sort == query.sort }
    }

    /// Registers the migration that creates the index.
    func register(in migrator: inout DatabaseMigrator) {
        let sql = """
            CREATE INDEX IF NOT EXISTS \(name) ON clients (\(column) DESC, id)
            WHERE status = '\(status.label)'
            """
        migrator.registerMigration(migration) { db in try db.execute(sql: sql) }
    }
}
