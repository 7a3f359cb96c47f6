import Foundation
import GRDB

/// connwatch's durable state: one SQLite database (WAL) under the state directory, opened through
/// GRDB. Tables come from numbered migrations in ``StateStore/migrator``; add a migration (never
/// edit a shipped one) to add alert state, client state or silences.
///
/// Writes go through GRDB's serialized writer; async callers use the async accessors, which run
/// SQLite off the cooperative pool.
public final class StateStore: Sendable {
    /// The database file's name inside the state directory.
    public static let fileName = "connwatch.sqlite"

    let pool: DatabasePool
    /// The database path.
    public let path: String

    /// Why the store could not be opened.
    public struct OpenError: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot open the state database \(path): \(reason)" }
    }

    /// The writer connection's page cache, in KiB: a store of 100 000 clients (about 25 MiB)
    /// fits; larger ones keep their most recently changed pages.
    static let writerCacheKiB = 65_536

    /// Opens (creating if needed) `directory/connwatch.sqlite` and runs pending migrations.
    public init(directory: String) throws(OpenError) {
        let path = (directory as NSString).appendingPathComponent(Self.fileName)
        self.path = path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            configuration.prepareDatabase { db in
                // FULL: a committed notification survives a power cut, not only a crash.
                try db.execute(sql: "PRAGMA synchronous = FULL")
                if !db.configuration.readonly {
                    db.add(function: ConnectionLogFunction.function)
                    // The writer updates clients all over the table: with SQLite's default 2 MiB
                    // page cache, most updates first read their page back with a system call.
                    try db.execute(sql: "PRAGMA cache_size = -\(Self.writerCacheKiB)")
                }
            }
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw OpenError(path: path, reason: "\(error)")
        }
    }

    /// The schema, one migration per change.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1-outbox") { db in
            try db.create(table: "outbox") { table in
                table.autoIncrementedPrimaryKey("seq")
                table.column("id", .text).notNull().unique()
                table.column("receiver", .text).notNull().indexed()
                table.column("content_type", .text).notNull()
                table.column("body", .blob).notNull()
                table.column("created_at", .integer).notNull()
                table.column("attempts", .integer).notNull().defaults(to: 0)
                table.column("first_attempt_at", .integer)
            }
        }
        registerStateMigrations(&migrator)
        registerQueryMigrations(&migrator)
        migrator.registerMigration("4-counter-delay") { db in
            // How late the event that made a window pending or firing arrived (see `CounterRecord`).
            try db.alter(table: "counters") { table in
                table.add(column: "delay", .integer).notNull().defaults(to: 0)
            }
        }
        // 5 and 6: the offline and the connected clients newest first.
        for index in NewestFirstIndex.all { index.register(in: &migrator) }
        return migrator
    }

    /// `PRAGMA journal_mode` (expected `wal`).
    public func journalMode() throws -> String {
        try pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }
}
