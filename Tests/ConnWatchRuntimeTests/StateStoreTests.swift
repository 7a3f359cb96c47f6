import ConnWatchCore
import ConnWatchTestSupport
import Foundation
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
            ]
        )
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
