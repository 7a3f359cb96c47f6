/// A value bound to one `?` of a statement.
public enum SQLArgument: Sendable, Equatable {
    case text(String)
    case integer(Int64)
}

extension ClientStateQuery {
    /// One page of this query as SQL over the store's `clients` table (enum values stored as their
    /// labels, times as milliseconds): the filters and the bookmark as a keyset condition, ordered
    /// by the sort key with the id as tie-break, `LIMIT limit + 1` (the extra row tells whether a
    /// next page exists). With the `(status, id)` index and the id key, a page costs O(page + log n)
    /// however many clients there are.
    ///
    /// The order is SQLite's: ids compare by their UTF-8 bytes, a missing time sorts first
    /// ascending and last descending, as `SortValue` orders them.
    public func sql(columns: String, table: String = "clients") -> (sql: String, arguments: [SQLArgument]) {
        var conditions: [String] = []
        var arguments: [SQLArgument] = []
        func equal(_ column: String, _ value: String?) {
            guard let value else { return }
            conditions.append("\(column) = ?")
            arguments.append(.text(value))
        }
        func range(_ column: String, _ after: Int64?, _ before: Int64?) {
            if let after {
                conditions.append("\(column) >= ?")
                arguments.append(.integer(after))
            }
            if let before {
                conditions.append("\(column) < ?")
                arguments.append(.integer(before))
            }
        }
        // The status as a literal (one of three fixed labels, never the caller's text): SQLite
        // uses a partial index only when the query names its condition.
        if let status = connectionStatus { conditions.append("status = '\(status.label)'") }
        equal("client_type", clientType?.label)
        equal("type_id", typeID)
        equal("device_id", deviceID)
        equal("broker", broker)
        range("last_connect", lastConnectedAfter, lastConnectedBefore)
        range("last_disconnect", lastDisconnectedAfter, lastDisconnectedBefore)
        range("last_activity", lastActivityAfter, lastActivityBefore)
        let column = Self.column(sort)
        if let after {
            let (condition, values) = Self.keyset(column: column, descending: descending, after: after)
            conditions.append(condition)
            arguments += values
        }
        var sql = "SELECT \(columns) FROM \(table)"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        let direction = descending ? "DESC" : "ASC"
        sql += sort == .id ? " ORDER BY id \(direction)" : " ORDER BY \(column) \(direction), id ASC"
        sql += " LIMIT \(limit + 1)"
        return (sql, arguments)
    }

    /// The column a sort key reads.
    static func column(_ key: SortKey) -> String {
        switch key {
        case .id: return "id"
        case .connectionStatus: return "status"
        case .clientType: return "client_type"
        case .lastConnectTime: return "last_connect"
        case .lastDisconnectTime: return "last_disconnect"
        case .lastActivityTime: return "last_activity"
        }
    }

    /// The rows after `after` in the order (`column` direction, then id ascending).
    static func keyset(column: String, descending: Bool, after: Bookmark) -> (String, [SQLArgument]) {
        let id = SQLArgument.text(after.id)
        switch after.value {
        case .text where column == "id":
            return (descending ? "id < ?" : "id > ?", [id])
        case .text(let value):
            let comparison = descending ? "<" : ">"
            return ("(\(column) \(comparison) ? OR (\(column) = ? AND id > ?))", [.text(value), .text(value), id])
        case .time(let value?):
            if descending {
                return (
                    "(\(column) < ? OR \(column) IS NULL OR (\(column) = ? AND id > ?))",
                    [.integer(value), .integer(value), id]
                )
            }
            return ("(\(column) > ? OR (\(column) = ? AND id > ?))", [.integer(value), .integer(value), id])
        case .time(nil):
            if descending { return ("(\(column) IS NULL AND id > ?)", [id]) }
            return ("((\(column) IS NULL AND id > ?) OR \(column) IS NOT NULL)", [id])
        }
    }

    /// The page from the rows `sql` selected (up to `limit + 1` of them, in order).
    public func page(fromRows rows: [ClientState]) -> Page {
        let page = Array(rows.prefix(limit))
        var next: Bookmark?
        if rows.count > limit, let last = page.last {
            next = Bookmark(sort: sort, descending: descending, value: key(of: last), id: last.clientID)
        }
        return Page(results: page, bookmark: next)
    }
}
