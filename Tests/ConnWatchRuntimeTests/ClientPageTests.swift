import ConnWatchCore
import ConnWatchTestSupport
import Foundation
import GRDB
import Testing

@testable import ConnWatchRuntime

/// Pages of client states read from the store (SQL with a keyset bookmark) against the same query
/// run over the clients in memory: every filter, every sort key in both directions, followed page
/// by page through the bookmarks.
@Suite struct ClientPageTests {
    private static let times: [Int64?] = [nil, 1_000, 2_000, 3_000, 4_000, 5_000]
    /// Broker names as a configuration may spell them, and hostile ones: one normalization of
    /// "é" and another (equal to Swift's `==`, not to SQLite's bytes), a U+0000 inside a name whose
    /// prefix is another broker, a control character, a very long name.
    private static let brokers = [
        "main", "edge-1", "caf\u{E9}", "cafe\u{301}", "東京", "a", "a\u{0}b", "tab\there",
        String(repeating: "x", count: 5_000),
    ]

    private func clients(_ count: Int, _ random: inout SeededGenerator) -> [ClientState] {
        // Ids in NFC (UTF-8 byte order is then Swift's order): ASCII, accented, CJK, emoji.
        let names = ["s", "Z", "é", "東", "👩‍💻", "a b", "x\"y"]
        return (0..<count).map { index in
            let type = ["sensor", "pump", "gw"][Int.random(in: 0..<3, using: &random)]
            let device = "\(names[Int.random(in: 0..<names.count, using: &random)])\(index)"
            let event = StatusEvent(
                action: .connect,
                clientID: "d:org1:\(type):\(device)",
                clientType: Bool.random(using: &random) ? .device : .gateway,
                orgID: "org1",
                typeID: type,
                deviceID: device,
                time: 1_000
            )
            let broker = Self.brokers[Int.random(in: 0..<Self.brokers.count, using: &random)]
            var client = ClientState(event: event, broker: broker)
            client.status =
                [ConnectionStatus.connected, .disconnected, .unknown][Int.random(in: 0..<3, using: &random)]
            client.lastConnectTime = Self.times.randomElement(using: &random) ?? nil
            client.lastDisconnectTime = Self.times.randomElement(using: &random) ?? nil
            client.lastActivityTime = Self.times.randomElement(using: &random) ?? nil
            return client
        }
    }

    private func query(_ random: inout SeededGenerator) -> ClientStateQuery {
        var query = ClientStateQuery()
        query.limit = Int.random(in: 1...9, using: &random)
        query.sort = ClientStateQuery.SortKey.allCases.randomElement(using: &random) ?? .id
        query.descending = Bool.random(using: &random)
        if Int.random(in: 0..<3, using: &random) == 0 {
            query.connectionStatus = [ConnectionStatus.connected, .disconnected, .unknown].randomElement(using: &random)
        }
        if Int.random(in: 0..<5, using: &random) == 0 { query.typeID = "pump" }
        if Int.random(in: 0..<3, using: &random) == 0 {
            query.broker = (Self.brokers + ["none", "a\u{0}", "\u{0}", "main\u{7F}"]).randomElement(using: &random)
        }
        // The newest-first orders read through an index of their own, often enough to page through.
        if Int.random(in: 0..<4, using: &random) == 0 {
            let (status, sort) =
                [
                    (ConnectionStatus.connected, ClientStateQuery.SortKey.lastConnectTime),
                    (.disconnected, .lastDisconnectTime),
                ].randomElement(using: &random) ?? (.connected, .lastConnectTime)
            query.connectionStatus = status
            query.sort = sort
            query.descending = true
        }
        if Int.random(in: 0..<6, using: &random) == 0 { query.clientType = .gateway }
        if Int.random(in: 0..<5, using: &random) == 0 { query.lastConnectedAfter = 2_000 }
        if Int.random(in: 0..<5, using: &random) == 0 { query.lastActivityBefore = 4_000 }
        if Int.random(in: 0..<6, using: &random) == 0 {
            query.lastDisconnectedAfter = 1_000
            query.lastDisconnectedBefore = 5_000
        }
        return query
    }

    @Test func storePagesEqualTheInMemoryQueryForEveryFilterAndOrder() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try StateStore(directory: directory.path)
        var random = SeededGenerator(state: 2026)
        let all = clients(240, &random)
        var batch = StateBatch()
        batch.add(EngineChanges.with(clients: all))
        try store.write(batch)
        for _ in 0..<120 {
            var query = query(&random)
            var pages = 0
            repeat {
                let expected = query.run(over: all)
                let actual = try store.clientPage(query)
                #expect(
                    actual.results.map(\.clientID) == expected.results.map(\.clientID),
                    "\(query.sql(columns: "id").sql) page \(pages)"
                )
                #expect(actual.bookmark?.text == expected.bookmark?.text)
                query.after = expected.bookmark
                pages += 1
            } while query.after != nil && pages < 400
        }
    }

    @Test func aPageReadsEveryFieldTheAPIShows() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try StateStore(directory: directory.path)
        var random = SeededGenerator(state: 7)
        var client = clients(1, &random)[0]
        client.status = .disconnected
        client.reasonCode = 142
        client.reasonText = "session taken over"
        client.cause = .sessionTakeover
        client.disconnectedBy = .server
        client.protocolName = "mqtt5"
        client.lastActivityEvent = .disconnect
        var batch = StateBatch()
        batch.add(EngineChanges.with(clients: [client]))
        try store.write(batch)
        let page = try store.clientPage(ClientStateQuery())
        try #require(page.results.count == 1)
        var fromStore = JSONWriter()
        ClientStateJSON.write(page.results[0], into: &fromStore)
        var fromMemory = JSONWriter()
        ClientStateJSON.write(client, into: &fromMemory)
        #expect(fromStore.bytes == fromMemory.bytes)
    }

    /// The plan SQLite makes for a page of `query`.
    private func plan(_ query: ClientStateQuery, in store: StateStore) throws -> [String] {
        let (sql, arguments) = StateStore.pageSQL(query)
        let values = arguments.map { argument -> (any DatabaseValueConvertible)? in
            switch argument {
            case .text(let text): return text
            case .integer(let value): return value
            }
        }
        return try store.pool.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: StatementArguments(values))
                .map { $0["detail"] as String? ?? "" }
        }
    }

    @Test func aStatusPageUsesTheStatusIndex() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try StateStore(directory: directory.path)
        var query = ClientStateQuery()
        query.connectionStatus = .disconnected
        query.after = ClientStateQuery.Bookmark(sort: .id, descending: false, value: .text("m"), id: "m")
        let plan = try plan(query, in: store)
        #expect(plan.contains { $0.contains("clients_by_status") }, "\(plan)")
        #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(plan)")
    }

    /// Newest first, the clients of a status are read in the order of that status's own index, on
    /// the first page and after a bookmark, with or without other filters; nothing is sorted.
    @Test(arguments: [
        (ConnectionStatus.disconnected, ClientStateQuery.SortKey.lastDisconnectTime, "offline_clients_newest"),
        (.connected, .lastConnectTime, "connected_clients_newest"),
    ])
    func theClientsOfAStatusNewestFirstAreReadInTheirIndexsOrderNotSorted(
        status: ConnectionStatus,
        sort: ClientStateQuery.SortKey,
        index: String
    ) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try StateStore(directory: directory.path)
        var query = ClientStateQuery()
        query.connectionStatus = status
        query.sort = sort
        query.descending = true
        for (after, typeID) in [
            (nil, nil), (ClientStateQuery.Bookmark(sort: sort, descending: true, value: .time(5), id: "m"), "pump"),
            (ClientStateQuery.Bookmark(sort: sort, descending: true, value: .time(nil), id: "m"), nil),
        ] {
            query.after = after
            query.typeID = typeID
            let plan = try plan(query, in: store)
            #expect(plan.contains { $0.contains(index) }, "\(plan)")
            #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(plan)")
        }
    }

    /// Other orders of a status, and newest first over every status, keep the planner's choice.
    @Test func otherOrdersNameNoIndex() {
        var query = ClientStateQuery()
        query.sort = .lastConnectTime
        query.descending = true
        #expect(NewestFirstIndex.serving(query) == nil)
        query.connectionStatus = .disconnected
        #expect(NewestFirstIndex.serving(query) == nil)
        query.connectionStatus = .connected
        query.descending = false
        #expect(NewestFirstIndex.serving(query) == nil)
        query.descending = true
        #expect(NewestFirstIndex.serving(query)?.name == "connected_clients_newest")
    }
}
