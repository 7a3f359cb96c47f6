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

    /// Inserts a client or updates it in place (its rowid, and so the first-seen order, stays),
    /// its log with it (the saved log with the new entries appended: `ConnectionLogWriter`).
    static let upsert = upsert(keepingLog: false)

    /// `upsert` for a client with no new log entries: a new row gets the log bound (empty), an
    /// existing row keeps its own.
    static let upsertKeepingLog = upsert(keepingLog: true)

    private static func upsert(keepingLog: Bool) -> String {
        let names = columns.components(separatedBy: ", ")
        let updates = names.dropFirst().filter { !keepingLog || $0 != "log" }.map { "\($0) = excluded.\($0)" }
            .joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: names.count).joined(separator: ", ")
        return "INSERT INTO clients (\(columns)) VALUES (\(placeholders)) ON CONFLICT(id) DO UPDATE SET \(updates)"
    }
}
