import Foundation
import GRDB

/// One rendered notification waiting to be delivered.
public struct OutboxEntry: Sendable, Equatable {
    /// Insertion order; delivery per receiver follows it.
    public var seq: Int64
    /// The notification id, sent as `webhook-id`.
    public var id: String
    public var receiver: String
    public var contentType: String
    public var body: [UInt8]
    /// Unix milliseconds.
    public var createdAt: Int64
    public var attempts: Int
    /// Unix milliseconds of the first attempt, if any (the retry deadline counts from it).
    public var firstAttemptAt: Int64?

    public init(
        seq: Int64 = 0,
        id: String,
        receiver: String,
        contentType: String,
        body: [UInt8],
        createdAt: Int64,
        attempts: Int = 0,
        firstAttemptAt: Int64? = nil
    ) {
        self.seq = seq
        self.id = id
        self.receiver = receiver
        self.contentType = contentType
        self.body = body
        self.createdAt = createdAt
        self.attempts = attempts
        self.firstAttemptAt = firstAttemptAt
    }

    init(row: Row) {
        self.init(
            seq: row["seq"],
            id: row["id"],
            receiver: row["receiver"],
            contentType: row["content_type"],
            body: [UInt8]((row["body"] as Data?) ?? Data()),
            createdAt: row["created_at"],
            attempts: row["attempts"],
            firstAttemptAt: row["first_attempt_at"]
        )
    }
}

extension StateStore {
    /// Adds `entries` in one transaction; an id already queued is kept once.
    public func enqueue(_ entries: [OutboxEntry]) throws {
        try pool.write { db in try Self.insert(entries, into: db) }
    }

    /// Inserts `entries` inside the caller's transaction; an id already queued is kept once.
    static func insert(_ entries: [OutboxEntry], into db: Database) throws {
        for entry in entries {
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO outbox (id, receiver, content_type, body, created_at, attempts)
                    VALUES (?, ?, ?, ?, ?, 0)
                    """,
                arguments: [entry.id, entry.receiver, entry.contentType, Data(entry.body), entry.createdAt]
            )
        }
    }

    /// The oldest pending entry for `receiver`.
    public func next(for receiver: String) async throws -> OutboxEntry? {
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT * FROM outbox WHERE receiver = ? ORDER BY seq LIMIT 1",
                arguments: [receiver]
            ).map(OutboxEntry.init(row:))
        }
    }

    /// Every pending entry, oldest first.
    public func pendingEntries() async throws -> [OutboxEntry] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM outbox ORDER BY seq").map(OutboxEntry.init(row:))
        }
    }

    /// Records an unsuccessful attempt.
    public func recordAttempt(id: String, attempts: Int, firstAttemptAt: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE outbox SET attempts = ?, first_attempt_at = COALESCE(first_attempt_at, ?) WHERE id = ?",
                arguments: [attempts, firstAttemptAt, id]
            )
        }
    }

    /// Removes a delivered or permanently failed entry.
    public func remove(id: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM outbox WHERE id = ?", arguments: [id])
        }
    }

    /// Removes entries of receivers no longer configured; returns how many.
    public func removeEntries(notFor receivers: [String]) throws -> Int {
        try pool.write { db in
            let marks = Array(repeating: "?", count: max(receivers.count, 1)).joined(separator: ",")
            let names = receivers.isEmpty ? [""] : receivers
            try db.execute(
                sql: "DELETE FROM outbox WHERE receiver NOT IN (\(marks))",
                arguments: StatementArguments(names)
            )
            return db.changesCount
        }
    }
}
