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
    /// The log bound (20th) holds the entries made since the last commit: a new row starts with
    /// them, an existing row appends them to its saved log inside SQLite, keeping the newest
    /// `?21` (`connwatch_log_append`), so no commit reads a log back.
    static let upsert: String = {
        let names = columns.components(separatedBy: ", ")
        let updates = names.dropFirst().map {
            $0 == "log" ? "log = \(ConnectionLogFunction.name)(log, excluded.log, ?)" : "\($0) = excluded.\($0)"
        }.joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: names.count).joined(separator: ", ")
        return "INSERT INTO clients (\(columns)) VALUES (\(placeholders)) ON CONFLICT(id) DO UPDATE SET \(updates)"
    }()
}
