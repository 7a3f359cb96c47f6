import ConnWatchCore
import Foundation
import GRDB

/// Everything one group commit writes: the engine's changes since the last commit, the alerts
/// people were told about, the notification log, and the notifications those changes caused —
/// in one transaction, so a crash keeps either all of it or none.
public struct StateBatch: Sendable {
    public var clients: [String: ClientState] = [:]
    /// Connection-log entries to append to clients' saved logs, oldest first; at most
    /// `logCapacity` per client (older ones would be dropped from the saved log anyway).
    public var log: [String: [ConnectionLogEntry]] = [:]
    /// How many entries a client's saved log keeps.
    public var logCapacity = 20
    /// Clients forgotten: their rows are deleted before `clients` are written (a client heard of
    /// again after it was forgotten is in both, and its new row is written).
    public var forgotten: Set<String> = []
    public var counters: [CounterRecord] = []
    public var replaceCounters = false
    /// Alerts notified as firing (upserted) or resolved (deleted), by fingerprint, last one wins.
    public var alerts: [String: Alert] = [:]
    public var notificationLog: [String: NotificationLogEntry] = [:]
    public var outbox: [OutboxEntry] = []
    /// Silences created through the API (replacing the saved ones) when set.
    public var silences: [Silence]?
    /// When the batch was taken (expired notification-log entries are deleted then).
    public var now: Int64 = 0

    public init() {}

    public var isEmpty: Bool {
        clients.isEmpty && log.isEmpty && forgotten.isEmpty && counters.isEmpty && !replaceCounters && alerts.isEmpty
            && notificationLog.isEmpty
            && outbox.isEmpty && silences == nil
    }

    /// Adds the engine's changes.
    public mutating func add(_ changes: EngineChanges) {
        for client in changes.forgotten {
            clients[client.clientID] = nil
            log[client.clientID] = nil
            forgotten.insert(client.clientID)
        }
        for client in changes.clients { clients[client.clientID] = client }
        logCapacity = changes.logCapacity
        let capacity = max(logCapacity, 0)
        for item in changes.log where capacity > 0 {
            Self.append(CollectionOfOne(item.entry), to: &log[item.clientID, default: []], capacity: capacity)
        }
        if changes.replaceCounters {
            counters = changes.counters
            replaceCounters = true
        } else {
            counters.append(contentsOf: changes.counters)
        }
    }

    /// Appends log entries of `clientID`, keeping its newest `logCapacity` (one lookup).
    private mutating func append(_ entries: [ConnectionLogEntry], to clientID: String) {
        let capacity = max(logCapacity, 0)
        guard capacity > 0 else { return }
        Self.append(entries, to: &log[clientID, default: []], capacity: capacity)
    }

    private static func append(
        _ entries: some Collection<ConnectionLogEntry>,
        to list: inout [ConnectionLogEntry],
        capacity: Int
    ) {
        list.append(contentsOf: entries)
        if list.count > capacity { list.removeFirst(list.count - capacity) }
    }

    /// Adds alert changes people were told about (pending ones are not saved).
    public mutating func add(_ changes: [AlertChange]) {
        for change in changes where change.alert.state != .pending {
            alerts[change.alert.fingerprint] = change.alert
        }
    }

    /// Merges a batch that failed to commit under this newer one (newer values win).
    public mutating func merge(under newer: StateBatch) {
        for clientID in newer.forgotten {
            clients[clientID] = nil
            log[clientID] = nil
        }
        forgotten.formUnion(newer.forgotten)
        clients.merge(newer.clients) { _, new in new }
        logCapacity = newer.logCapacity
        for (clientID, entries) in newer.log { append(entries, to: clientID) }
        counters = newer.replaceCounters ? newer.counters : counters + newer.counters
        replaceCounters = replaceCounters || newer.replaceCounters
        alerts.merge(newer.alerts) { _, new in new }
        notificationLog.merge(newer.notificationLog) { _, new in new }
        outbox += newer.outbox
        silences = newer.silences ?? silences
        now = newer.now
    }
}

/// What a previous run left in the store.
public struct SavedState: Sendable {
    public var clients: [ClientState] = []
    public var counters: [CounterRecord] = []
    /// Alerts that were notified as firing and not yet as resolved.
    public var alerts: [Alert] = []
    public var notificationLog = NotificationLog()
    public var silences: [Silence] = []
}

extension StateStore {
    static func registerStateMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("2-state") { db in
            try db.create(table: "clients") { table in
                table.primaryKey("id", .text)
                table.column("broker", .text).notNull()
                table.column("client_type", .text).notNull()
                table.column("org_id", .text).notNull()
                table.column("type_id", .text).notNull()
                table.column("device_id", .text).notNull()
                table.column("app_id", .text).notNull()
                table.column("status", .text).notNull()
                table.column("last_connect", .integer)
                table.column("last_disconnect", .integer)
                table.column("last_activity_event", .text)
                table.column("last_activity", .integer)
                table.column("disconnected_by", .text)
                table.column("reason_code", .integer)
                table.column("reason_text", .text)
                table.column("cause", .text)
                table.column("protocol", .text)
                table.column("address", .text)
                table.column("sequence", .integer)
                table.column("log", .blob).notNull()
            }
            try db.create(table: "counters") { table in
                table.column("rule", .text).notNull()
                table.column("key", .text).notNull()
                table.column("times", .blob).notNull()
                table.column("last_client", .text).notNull()
                table.column("alert", .blob)
                table.column("notified", .boolean).notNull()
                table.primaryKey(["rule", "key"])
            }
            try db.create(table: "alerts") { table in
                table.primaryKey("fingerprint", .text)
                table.column("rule", .text).notNull()
                table.column("starts_at", .integer).notNull()
                table.column("alert", .blob).notNull()
            }
            try db.create(table: "notification_log") { table in
                table.primaryKey("group_key", .text)
                table.column("expires_at", .integer).notNull()
                table.column("entry", .blob).notNull()
            }
            try db.create(table: "silences") { table in
                table.primaryKey("id", .text)
                table.column("ends_at", .integer).notNull()
                table.column("silence", .blob).notNull()
            }
        }
    }

    /// Writes `batch` in one transaction.
    public func write(_ batch: StateBatch) throws {
        let encoder = JSONEncoder()
        try pool.write { db in
            for clientID in batch.forgotten {
                try db.execute(sql: "DELETE FROM clients WHERE id = ?", arguments: [clientID])
            }
            // A client's row and its new log entries in one statement (SQLite appends them).
            var added: [UInt8] = []
            if !batch.clients.isEmpty {
                var writer = try ClientRowWriter(db)
                for client in batch.clients.values {
                    ConnectionLogBlob.encode(batch.log[client.clientID] ?? [], into: &added)
                    try writer.write(client, added: added, capacity: batch.logCapacity)
                }
            }
            for (clientID, entries) in batch.log where batch.clients[clientID] == nil {
                ConnectionLogBlob.encode(entries, into: &added)
                try ConnectionLogFunction.append(added, to: clientID, capacity: batch.logCapacity, in: db)
            }
            if batch.replaceCounters { try db.execute(sql: "DELETE FROM counters") }
            for record in batch.counters {
                if record.isLive {
                    try db.execute(
                        sql: """
                            INSERT OR REPLACE INTO counters (rule, key, times, last_client, alert, notified, delay)
                            VALUES (?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            record.rule, record.key, Data(TimeListBlob.encode(record.times)), record.lastClient,
                            try record.alert.map { try encoder.encode($0) }, record.notified, record.delay,
                        ]
                    )
                } else {
                    try db.execute(
                        sql: "DELETE FROM counters WHERE rule = ? AND key = ?",
                        arguments: [record.rule, record.key]
                    )
                }
            }
            for (fingerprint, alert) in batch.alerts {
                if alert.state == .firing {
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO alerts (fingerprint, rule, starts_at, alert) VALUES (?, ?, ?, ?)",
                        arguments: [fingerprint, alert.rule, alert.startsAt, try encoder.encode(alert)]
                    )
                } else {
                    try db.execute(sql: "DELETE FROM alerts WHERE fingerprint = ?", arguments: [fingerprint])
                }
            }
            for (key, entry) in batch.notificationLog {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO notification_log (group_key, expires_at, entry) VALUES (?, ?, ?)",
                    arguments: [key, entry.expiresAt, try encoder.encode(entry)]
                )
            }
            if !batch.notificationLog.isEmpty {
                try db.execute(sql: "DELETE FROM notification_log WHERE expires_at <= ?", arguments: [batch.now])
            }
            if let silences = batch.silences {
                try db.execute(sql: "DELETE FROM silences")
                for silence in silences {
                    try db.execute(
                        sql: "INSERT INTO silences (id, ends_at, silence) VALUES (?, ?, ?)",
                        arguments: [silence.id, silence.endsAt, try encoder.encode(SavedSilence(silence))]
                    )
                }
            }
            try Self.insert(batch.outbox, into: db)
        }
    }

    /// Reads what a previous run saved; clients in the order they were first seen (their logs
    /// stay in the store: see `connectionLog(of:)`).
    public func loadState(now: Int64) throws -> SavedState {
        var clients: [ClientState] = []
        var state = try readState(now: now) { alerts, count in
            clients.reserveCapacity(count)
        } client: {
            clients.append($0)
        }
        state.clients = clients
        return state
    }

    /// Reads what a previous run saved, in one read transaction: first the notified alerts (with
    /// an upper bound of the clients to come, for reserving), then each client, then the rest. `SavedState.clients`
    /// stays empty: the clients went to `client`.
    func readState(
        now: Int64,
        alerts: ([Alert], Int) throws -> Void,
        client: (consuming ClientState) throws -> Void
    ) throws -> SavedState {
        let decoder = JSONDecoder()
        return try pool.read { db in
            var state = SavedState()
            for row in try Row.fetchAll(db, sql: "SELECT alert FROM alerts ORDER BY starts_at") {
                state.alerts.append(try decoder.decode(Alert.self, from: row["alert"] ?? Data()))
            }
            // The highest rowid bounds the number of rows without counting them (a full scan).
            try alerts(state.alerts, try Int.fetchOne(db, sql: "SELECT coalesce(max(rowid), 0) FROM clients") ?? 0)
            let statement = try db.makeStatement(sql: "SELECT \(ClientRow.columns) FROM clients ORDER BY rowid")
            let rows = try Row.fetchCursor(statement)
            var reader = ClientRowReader()
            while try rows.next() != nil {
                try client(reader.client(from: statement.sqliteStatement))
            }
            for row in try Row.fetchAll(db, sql: "SELECT * FROM counters") {
                let alertData: Data? = row["alert"]
                state.counters.append(
                    CounterRecord(
                        rule: row["rule"],
                        key: row["key"],
                        times: (row["times"] ?? Data()).withUnsafeBytes { TimeListBlob.decode($0) },
                        lastClient: row["last_client"],
                        alert: try alertData.map { try decoder.decode(Alert.self, from: $0) },
                        notified: row["notified"],
                        delay: row["delay"] ?? 0
                    )
                )
            }
            var entries: [String: NotificationLogEntry] = [:]
            for row in try Row.fetchAll(
                db,
                sql: "SELECT group_key, entry FROM notification_log WHERE expires_at > ?",
                arguments: [now]
            ) {
                entries[row["group_key"]] = try decoder.decode(NotificationLogEntry.self, from: row["entry"] ?? Data())
            }
            state.notificationLog = NotificationLog(entries: entries)
            // Expired silences stay listed for the retention period, as in Alertmanager, restart or not.
            let retained = now - NotificationPipeline.expiredSilenceRetention
            for row in try Row.fetchAll(
                db,
                sql: "SELECT silence FROM silences WHERE ends_at > ?",
                arguments: [retained]
            ) {
                state.silences.append(try decoder.decode(SavedSilence.self, from: row["silence"] ?? Data()).silence)
            }
            return state
        }
    }
}

/// A silence as saved: its matchers as `name`, `op`, `value`.
struct SavedSilence: Codable {
    struct Matcher: Codable {
        var name: String
        var op: String
        var value: String
    }

    var id: String
    var matchers: [Matcher]
    var startsAt: Int64
    var endsAt: Int64
    var comment: String
    var createdBy: String

    init(_ silence: Silence) {
        id = silence.id
        matchers = silence.matchers.map { Matcher(name: $0.name, op: $0.op.rawValue, value: $0.value) }
        startsAt = silence.startsAt
        endsAt = silence.endsAt
        comment = silence.comment
        createdBy = silence.createdBy
    }

    var silence: Silence {
        Silence(
            id: id,
            matchers: matchers.compactMap { matcher in
                LabelMatcher.Operator(rawValue: matcher.op).flatMap {
                    try? LabelMatcher(name: matcher.name, op: $0, value: matcher.value)
                }
            },
            startsAt: startsAt,
            endsAt: endsAt,
            comment: comment,
            createdBy: createdBy
        )
    }
}
