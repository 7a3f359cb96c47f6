import ConnWatchCore
import Foundation
import GRDB

/// `connwatch_log_append(saved, added, capacity)`, registered on the store's writer connection:
/// the log blob `saved` with the entries of the log blob `added` appended, the newest `capacity`
/// kept (``ConnectionLogBlob/appending(blob:to:capacity:)``: bytes are copied, nothing is
/// decoded). A commit appends each touched client's new entries to its saved log with it, in the
/// same statement that updates the row.
enum ConnectionLogFunction {
    static let name = "connwatch_log_append"

    static let function = DatabaseFunction(name, argumentCount: 3, pure: true) { values in
        let saved = Data.fromDatabaseValue(values[0]) ?? Data()
        let added = Data.fromDatabaseValue(values[1]) ?? Data()
        let capacity = Int.fromDatabaseValue(values[2]) ?? 0
        let merged = saved.withUnsafeBytes { saved in
            added.withUnsafeBytes { added in ConnectionLogBlob.appending(blob: added, to: saved, capacity: capacity) }
        }
        return Data(merged)
    }

    /// Appends the entries of the log blob `added` to the saved log of `clientID` (a client without
    /// a row is skipped): for entries whose client's row the commit does not write.
    static func append(_ added: [UInt8], to clientID: String, capacity: Int, in db: Database) throws {
        try db.execute(
            sql: "UPDATE clients SET log = \(name)(log, ?, ?) WHERE id = ?",
            arguments: [Data(added), capacity, clientID]
        )
    }
}
