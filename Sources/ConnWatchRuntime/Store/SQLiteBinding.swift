import ConnWatchCore
import GRDB
import GRDBSQLite

/// Binds values to a prepared statement's `?`s by their exact bytes: a text is bound with its
/// UTF-8 length, so a U+0000 inside it is kept (GRDB binds a `String` as a C string, which ends
/// at the first one, and a filter such as `broker=a%00b` would then match the broker `a`).
enum SQLiteBinding {
    /// SQLite copies what is bound (`SQLITE_TRANSIENT`): the Swift buffers only live for the call.
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Binds `text` (NULL when `nil`) to the `index`th parameter; SQLite's result code.
    @discardableResult
    static func bind(_ text: String?, at index: Int32, to handle: SQLiteStatement) -> Int32 {
        guard var text else { return sqlite3_bind_null(handle, index) }
        return text.withUTF8 { bytes in
            guard let start = bytes.baseAddress, !bytes.isEmpty else {
                // An empty buffer may have no address, which SQLite would take for NULL.
                return sqlite3_bind_text(handle, index, "", 0, transient)
            }
            guard let length = Int32(exactly: bytes.count) else { return SQLITE_TOOBIG }
            return start.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                sqlite3_bind_text(handle, index, $0, length, transient)
            }
        }
    }

    /// Binds `number` (NULL when `nil`) to the `index`th parameter; SQLite's result code.
    @discardableResult
    static func bind(_ number: Int64?, at index: Int32, to handle: SQLiteStatement) -> Int32 {
        guard let number else { return sqlite3_bind_null(handle, index) }
        return sqlite3_bind_int64(handle, index, number)
    }

    /// Binds a page's arguments in order; throws SQLite's error if one cannot be bound (too long).
    static func bind(_ arguments: [SQLArgument], to statement: Statement) throws {
        let handle = statement.sqliteStatement
        for (offset, argument) in arguments.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch argument {
            case .text(let text): code = bind(text, at: index, to: handle)
            case .integer(let value): code = bind(value, at: index, to: handle)
            }
            guard code == SQLITE_OK else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code),
                    message: String(cString: sqlite3_errstr(code)),
                    sql: statement.sql
                )
            }
        }
    }
}
