import ConnWatchCore
import ConnWatchTestSupport
import Foundation
import GRDB
import Testing

@testable import ConnWatchRuntime

@Suite struct StateStoreTests {
    @Test func opensInWALModeAndReopensWithoutRerunningMigrations() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = "\(directory.path)/nested/state"
        do {
            let store = try StateStore(directory: path)
            #expect(try store.journalMode() == "wal")
            try store.enqueue([
                OutboxEntry(id: "a", receiver: "r", contentType: "application/json", body: [1, 2, 3], createdAt: 5)
            ])
        }
        let reopened = try StateStore(directory: path)
        let entries = try await reopened.pendingEntries()
        #expect(entries.map(\.id) == ["a"])
        #expect(entries.first?.body == [1, 2, 3])
        let applied = try await reopened.pool.read { db in try StateStore.migrator.appliedIdentifiers(db) }
        #expect(
            Set(applied) == [
                "1-outbox", "2-state", "3-clients-by-status", "4-counter-delay", "5-offline-clients-newest",
                "6-connected-clients-newest",
            ]
        )
    }

    /// A store made before migration 6 gains the index of the connected clients over the clients it
    /// holds, and its pages of connected clients newest first read through it in the right order.
    @Test func migrationSixIndexesTheConnectedClientsAnEarlierStoreHolds() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let clients = (0..<30).map { number in
            var client = ClientState(
                event: StatusEvent(action: .connect, clientID: "d:o:t:c\(number)", time: 1_000),
                broker: "main"
            )
            client.status = [ConnectionStatus.connected, .disconnected, .unknown][number % 3]
            client.lastConnectTime = number % 4 == 0 ? nil : Int64(1_000 + number % 7)
            client.lastDisconnectTime = Int64(2_000 + number % 5)
            return client
        }
        do {
            let pool = try DatabasePool(path: "\(directory.path)/\(StateStore.fileName)")
            try StateStore.migrator.migrate(pool, upTo: "5-offline-clients-newest")
            try pool.write { db in
                db.add(function: ConnectionLogFunction.function)
                var writer = try ClientRowWriter(db)
                for client in clients { try writer.write(client, capacity: 20) }
            }
            #expect(try indexes(pool) == ["clients_by_status", "offline_clients_newest"])
        }
        let store = try StateStore(directory: directory.path)
        #expect(try indexes(store.pool) == ["clients_by_status", "connected_clients_newest", "offline_clients_newest"])
        var query = ClientStateQuery()
        query.connectionStatus = .connected
        query.sort = .lastConnectTime
        query.descending = true
        query.limit = 4
        var pages = 0
        repeat {
            let expected = query.run(over: clients)
            let actual = try store.clientPage(query)
            #expect(actual.results.map(\.clientID) == expected.results.map(\.clientID), "page \(pages)")
            query.after = expected.bookmark
            pages += 1
        } while query.after != nil && pages < 20
        #expect(pages == 3)
    }

    /// The names of the indexes on `clients` SQLite made from the migrations (not its own
    /// `sqlite_autoindex_…` for the primary key).
    private func indexes(_ pool: DatabasePool) throws -> [String] {
        try pool.read { db in
            try String.fetchAll(
                db,
                sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'clients' AND sql IS NOT NULL "
                    + "ORDER BY name"
            )
        }
    }

    @Test func outboxKeepsOrderDeduplicatesIdsAndRecordsAttempts() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try StateStore(directory: directory.path)
        let entries = ["x", "y", "x", "z"].map {
            OutboxEntry(id: $0, receiver: $0 == "z" ? "other" : "r", contentType: "text/plain", body: [], createdAt: 1)
        }
        try store.enqueue(entries)
        #expect(try await store.pendingEntries().map(\.id) == ["x", "y", "z"])
        #expect(try await store.next(for: "r")?.id == "x")
        try await store.recordAttempt(id: "x", attempts: 2, firstAttemptAt: 1000)
        try await store.recordAttempt(id: "x", attempts: 3, firstAttemptAt: 9000)
        let x = try #require(try await store.next(for: "r"))
        #expect(x.attempts == 3)
        #expect(x.firstAttemptAt == 1000)
        try await store.remove(id: "x")
        #expect(try await store.next(for: "r")?.id == "y")
        #expect(try store.removeEntries(notFor: ["r"]) == 1)
        #expect(try await store.pendingEntries().map(\.id) == ["y"])
    }

    @Test func anUnwritableDirectoryIsATypedError() {
        #expect(throws: StateStore.OpenError.self) { try StateStore(directory: "/proc/connwatch-cannot-write-here") }
    }
}
