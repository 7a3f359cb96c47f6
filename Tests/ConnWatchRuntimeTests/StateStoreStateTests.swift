import ConnWatchCore
import ConnWatchTestSupport
import Foundation
import GRDB
import Logging
import Synchronization
import Testing

@testable import ConnWatchRuntime

/// The store's client, counter, alert, notification-log and silence tables.
@Suite struct StateStoreStateTests {
    private func client(_ id: String, status: ConnectionStatus) -> ClientState {
        clientAndLog(id, status: status).state
    }

    /// A client and its connection log (oldest first).
    private func clientAndLog(_ id: String, status: ConnectionStatus) -> (state: ClientState, log: [ConnectionLogEntry])
    {
        let connect = StatusEvent(
            action: .connect,
            clientID: "d:org1:sensor:\(id)",
            clientType: .device,
            orgID: "org1",
            typeID: "sensor",
            deviceID: id,
            time: 1_000,
            protocolName: "mqtt5",
            clientAddress: "10.1.2.3"
        )
        var state = ClientState(event: connect, broker: "main")
        var log: [ConnectionLogEntry] = []
        state.status = status
        state.lastConnectTime = 1_000
        state.lastActivityEvent = .connect
        state.lastActivityTime = 1_000
        state.protocolName = "mqtt5"
        state.clientAddress = "10.1.2.3"
        log.append(ConnectionLogEntry(event: connect, applied: true))
        if status == .disconnected {
            var disconnect = connect
            disconnect.action = .disconnect
            disconnect.time = 2_000
            disconnect.reasonCode = 160
            disconnect.reasonText = "keep-alive \"timed\" out ✓"
            disconnect.cause = .keepAliveTimeout
            disconnect.initiator = .network
            disconnect.clientAddress = nil
            state.lastDisconnectTime = 2_000
            state.disconnectedBy = .network
            state.reasonCode = 160
            state.reasonText = disconnect.reasonText
            state.cause = .keepAliveTimeout
            state.lastSequence = 42
            state.lastActivityEvent = .disconnect
            state.lastActivityTime = 2_000
            log.append(ConnectionLogEntry(event: disconnect, applied: false))
        }
        state.summary = ConnectionSummary(log)
        return (state, log)
    }

    private func alert(_ name: String, client: String) -> Alert {
        Alert(
            labels: LabelSet(["alertname": name, "client_id": client]),
            annotations: LabelSet(["summary": "\(client) is offline"]),
            rule: name,
            state: .firing,
            activeSince: 2_000,
            startsAt: 5_000,
            receivers: ["hook"]
        )
    }

    private func expectSame(_ a: ClientState?, _ b: ClientState) {
        guard let a else {
            Issue.record("client \(b.clientID) missing")
            return
        }
        #expect(a.clientID == b.clientID && a.clientType == b.clientType && a.orgID == b.orgID)
        #expect(a.typeID == b.typeID && a.deviceID == b.deviceID && a.appID == b.appID && a.broker == b.broker)
        #expect(a.status == b.status && a.lastConnectTime == b.lastConnectTime)
        #expect(a.lastDisconnectTime == b.lastDisconnectTime && a.lastActivityEvent == b.lastActivityEvent)
        #expect(a.lastActivityTime == b.lastActivityTime && a.disconnectedBy == b.disconnectedBy)
        #expect(a.reasonCode == b.reasonCode && a.reasonText == b.reasonText && a.cause == b.cause)
        #expect(a.protocolName == b.protocolName && a.clientAddress == b.clientAddress)
        #expect(a.lastSequence == b.lastSequence)
        #expect(a.summary == b.summary)
    }

    @Test func aBatchComesBackAsWritten() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try StateStore(directory: directory.path)
        let (online, onlineLog) = clientAndLog("a", status: .connected)
        let (offline, offlineLog) = clientAndLog("b", status: .disconnected)
        var batch = StateBatch()
        batch.add(
            EngineChanges.with(
                clients: [online, offline],
                log: [online.clientID: onlineLog, offline.clientID: offlineLog]
            )
        )
        batch.counters = [
            CounterRecord(
                rule: "kicked",
                key: "d:org1:sensor:b",
                times: [1, 2, -3],
                lastClient: "d:org1:sensor:b",
                alert: alert("kicked", client: "b"),
                notified: true,
                delay: 25_455
            ),
            CounterRecord(rule: "kicked", key: "gone", times: [1], lastClient: "x", alert: nil, notified: false),
        ]
        batch.add([
            AlertChange(alert: alert("offline", client: "b")), AlertChange(alert: alert("offline", client: "c")),
        ])
        batch.notificationLog = [
            "hook/{}": NotificationLogEntry(firing: ["f1"], resolved: [], sentAt: 5_000, expiresAt: 100_000),
            "hook/old": NotificationLogEntry(firing: ["f2"], resolved: ["f3"], sentAt: 1, expiresAt: 9_000),
        ]
        batch.silences = [
            Silence(
                id: "s1",
                matchers: [try LabelMatcher(name: "type_id", op: .matchesRegex, value: "sens.*")],
                startsAt: 0,
                endsAt: 50_000,
                comment: "maintenance",
                createdBy: "ops"
            ),
            Silence(id: "s2", matchers: [], startsAt: 0, endsAt: 8_000),
        ]
        batch.outbox = [
            OutboxEntry(id: "n1", receiver: "hook", contentType: "application/json", body: [1], createdAt: 5)
        ]
        batch.now = 5_000
        try store.write(batch)

        // A second batch: one client changes, one counter window empties, one alert resolves.
        var later = StateBatch()
        var back = offline
        back.status = .connected
        later.clients[back.clientID] = back
        later.counters = [
            CounterRecord(
                rule: "kicked",
                key: "gone",
                times: [],
                lastClient: "x",
                alert: nil,
                notified: false,
                isLive: false
            )
        ]
        var resolved = alert("offline", client: "c")
        resolved.state = .resolved
        later.add([AlertChange(alert: resolved)])
        try store.write(later)

        var saved = try store.loadState(now: 10_000)
        saved.clients.sort { $0.clientID < $1.clientID }
        #expect(saved.clients.map(\.clientID) == ["d:org1:sensor:a", "d:org1:sensor:b"])
        expectSame(saved.clients.first, online)
        expectSame(saved.clients.last, back)
        // A row written again keeps its log; the log is read from the store.
        #expect(try store.connectionLog(of: online.clientID) == onlineLog)
        #expect(try store.connectionLog(of: back.clientID) == offlineLog)
        #expect(try store.connectionLog(of: "nobody").isEmpty)
        #expect(saved.counters == [batch.counters[0]])
        #expect(saved.alerts == [alert("offline", client: "b")])
        #expect(saved.notificationLog.entries.keys.sorted() == ["hook/{}"])
        // s2 has ended, but stays for the retention period.
        #expect(saved.silences.map(\.id).sorted() == ["s1", "s2"])
        let s1 = saved.silences.first { $0.id == "s1" }
        #expect(s1?.matchers.first?.description == #"type_id=~"sens.*""#)
        #expect(s1?.comment == "maintenance")
        #expect(try store.pendingEntriesSync().map(\.id) == ["n1"])
    }

    /// Expired API silences are listed for `expiredSilenceRetention` after they end, across a
    /// restart as before it; older ones are not read back.
    @Test func expiredSilencesAreKeptForTheRetentionPeriod() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try StateStore(directory: directory.path)
        let retention = NotificationPipeline.expiredSilenceRetention
        let now: Int64 = 100 * 86_400_000
        var batch = StateBatch()
        batch.silences = [
            Silence(id: "active", matchers: [], startsAt: 0, endsAt: now + 1),
            Silence(id: "ended-recently", matchers: [], startsAt: 0, endsAt: now - retention + 1),
            Silence(id: "ended-long-ago", matchers: [], startsAt: 0, endsAt: now - retention),
        ]
        batch.now = now
        try store.write(batch)
        let saved = try store.loadState(now: now)
        #expect(saved.silences.map(\.id).sorted() == ["active", "ended-recently"])
    }

    /// The writer keeps the pages it updates in its own cache; readers keep SQLite's default.
    @Test func theWriterConnectionHasTheLargePageCache() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try StateStore(directory: directory.path)
        let writer = try store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA cache_size") }
        let reader = try store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA cache_size") }
        #expect(writer == -StateStore.writerCacheKiB)
        #expect(reader == -2000)
    }

    /// Rows are read from SQLite's buffers, with texts many rows repeat made once: every field of
    /// every client must still come back as written, texts that differ only at the end included.
    @Test func readingSharedTextsKeepsEveryRowsOwnValues() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try StateStore(directory: directory.path)
        var written: [ClientState] = []
        var logs: [String: [ConnectionLogEntry]] = [:]
        for number in 0..<300 {
            var (state, log) = clientAndLog("c\(number)", status: number % 3 == 0 ? .connected : .disconnected)
            state.reasonText = number % 5 == 0 ? nil : "the server closed the connection #\(number % 7)"
            state.protocolName = number % 4 == 0 ? "" : (number % 4 == 1 ? nil : "MQTT 5.0 over WebSocket")
            state.clientAddress = number % 2 == 0 ? "2001:db8:85a3::8a2e:370:\(number % 9)" : "10.0.0.\(number)"
            state.typeID = "type\(number % 4)"
            state.reasonCode = number % 6 == 0 ? nil : -number
            log.append(
                ConnectionLogEntry(
                    action: .failedConnect,
                    time: Int64(number),
                    reasonCode: 135,
                    reasonText: "not authorized: bad user name or password #\(number % 3)",
                    clientAddress: state.clientAddress
                )
            )
            state.summary = ConnectionSummary(log)
            written.append(state)
            logs[state.clientID] = log
        }
        var batch = StateBatch()
        batch.add(EngineChanges.with(clients: written, log: logs, capacity: 3))
        try store.write(batch)
        let saved = try store.loadState(now: 10_000)
        #expect(saved.clients.count == written.count)
        let read = Dictionary(saved.clients.map { ($0.clientID, $0) }, uniquingKeysWith: { first, _ in first })
        for state in written {
            expectSame(read[state.clientID], state)
            #expect(try store.connectionLog(of: state.clientID) == logs[state.clientID])
        }
    }

    /// The daemon restores while it reads, a chunk of clients at a time on a second thread: the
    /// engine must end up as one restored from everything at once.
    @Test func restoringWhileReadingEqualsRestoringAtOnce() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let minute: Int64 = 60_000
        let t0: Int64 = 1_790_000_000_000
        let rule = OfflineRule(
            name: "device_offline",
            match: ClientMatcher([(.clientType, [Glob("device")])]),
            forDuration: 10 * minute
        )
        let configuration = EngineConfiguration(offlineRules: [rule], startupGrace: 0)
        // Three chunks and a bit: every third client goes offline, and those fire before the save.
        let count = StateStore.restoreChunk * 3 + 123
        let first = Engine(configuration: configuration, startTime: t0)
        var changes: [AlertChange] = []
        for number in 0..<count {
            var event = StatusEvent(
                action: .connect,
                clientID: "d:org1:sensor:c\(number)",
                clientType: .device,
                orgID: "org1",
                typeID: "sensor",
                deviceID: "c\(number)",
                time: t0
            )
            first.handle(event, broker: "main", now: t0, into: &changes)
            if number % 3 == 0 {
                event.action = .disconnect
                event.time = t0 + 1_000 + Int64(number)
                first.handle(event, broker: "main", now: event.time, into: &changes)
            }
        }
        first.advance(to: t0 + 10 * minute + 20_000, into: &changes)
        let store = try StateStore(directory: directory.path)
        var batch = StateBatch()
        batch.add(first.takeUnsaved(now: t0 + 11 * minute))
        batch.add(changes)
        try store.write(batch)
        #expect(changes.count == (count + 2) / 3)
        #expect(changes.count < count / 3 + 10)

        let now = t0 + 12 * minute
        let atOnce = Engine(configuration: configuration, startTime: now)
        let saved = try store.loadState(now: now)
        var changesAtOnce: [AlertChange] = []
        let firingAtOnce = atOnce.restore(
            clients: saved.clients,
            counters: saved.counters,
            notified: saved.alerts,
            now: now,
            into: &changesAtOnce
        )
        let streamed = Engine(configuration: configuration, startTime: now)
        var changesStreamed: [AlertChange] = []
        let restored = try store.restoreState(into: streamed, now: now, changes: &changesStreamed)

        #expect(restored.clients == count)
        #expect(restored.savedAlerts == changes.count)
        #expect(streamed.clients.map(\.clientID) == atOnce.clients.map(\.clientID))
        #expect(streamed.clients.map(\.status) == atOnce.clients.map(\.status))
        #expect(streamed.disconnectedCount == (count + 2) / 3)
        #expect(restored.firing.map(\.fingerprint).sorted() == firingAtOnce.map(\.fingerprint).sorted())
        #expect(restored.firing.count == changes.count)
        #expect(streamed.firingCount == atOnce.firingCount)
        #expect(changesStreamed == changesAtOnce)
        // A client that comes back resolves its restored alert in both.
        let back = StatusEvent(
            action: .connect,
            clientID: "d:org1:sensor:c\(count - 1 - (count - 1) % 3)",
            clientType: .device,
            orgID: "org1",
            typeID: "sensor",
            deviceID: "c0",
            time: now + 1
        )
        var after: [AlertChange] = []
        streamed.handle(back, broker: "main", now: now + 1, into: &after)
        #expect(after.map(\.alert.state) == [.resolved])
    }

    @Test func aDamagedLogBlobKeepsTheEntriesBeforeTheDamage() {
        func decode(_ bytes: [UInt8]) -> [ConnectionLogEntry] {
            var entries: [ConnectionLogEntry] = []
            bytes.withUnsafeBytes { blob in
                ConnectionLogBlob.forEachEntry(
                    in: blob,
                    text: { String(decoding: $0, as: UTF8.self) },
                    { entries.append($0) }
                )
            }
            return entries
        }
        let entries = clientAndLog("a", status: .disconnected).log
        var log = ConnectionLog(capacity: 4)
        for entry in entries { log.append(entry) }
        var blob: [UInt8] = []
        ConnectionLogBlob.encode(log, into: &blob)
        #expect(decode(blob) == entries)
        for cut in 0..<blob.count {
            let decoded = decode(Array(blob.prefix(cut)))
            #expect(decoded.count <= 2)
            // The summary a restart reads from damaged bytes is that of the entries before the damage.
            let summary = Array(blob.prefix(cut)).withUnsafeBytes { ConnectionLogBlob.summary(of: $0) }
            #expect(summary == ConnectionSummary(decoded))
            #expect(decoded == Array(entries.prefix(decoded.count)))
        }
        #expect(decode([9, 0, 0]).isEmpty)
    }

    /// A write that fails keeps its batch and succeeds, merged with the next, once it can.
    @Test func aFailedWriteIsKeptAndWrittenLater() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try StateStore(directory: directory.path)
        let writer = StateWriter(store: store, logger: Logger(label: "test"), retryDelay: .milliseconds(20))
        // Make the database refuse writes: a trigger that aborts every insert into clients.
        try await store.pool.write { db in
            try db.execute(
                sql: "CREATE TRIGGER refuse BEFORE INSERT ON clients BEGIN SELECT RAISE(ABORT, 'disk full'); END"
            )
        }
        var first = StateBatch()
        let (a, aLog) = clientAndLog("a", status: .disconnected)
        first.add(EngineChanges.with(clients: [a], log: [a.clientID: aLog], capacity: 3))
        first.outbox = [OutboxEntry(id: "n1", receiver: "hook", contentType: "text/plain", body: [], createdAt: 1)]
        let committed = Mutex<[Int]>([])
        let idle = AsyncStream<Void>.makeStream()
        writer.submit(
            first,
            committed: { batch in committed.withLock { $0.append(batch.clients.count) } },
            idle: { idle.continuation.yield() }
        )
        var iterator = idle.stream.makeAsyncIterator()
        await iterator.next()
        #expect(committed.withLock { $0 }.isEmpty)
        #expect(writer.hasFailedBatch)
        #expect(try store.loadState(now: 0).clients.isEmpty)

        try await store.pool.write { db in try db.execute(sql: "DROP TRIGGER refuse") }
        var second = StateBatch()
        second.clients["d:org1:sensor:b"] = client("b", status: .disconnected)
        // More of a's log: merged under the failed batch's, the newest three are written.
        let more = (0..<2).map { ConnectionLogEntry(action: .failedConnect, time: 3_000 + Int64($0)) }
        for entry in more { second.add(Self.logChange(a.clientID, entry, capacity: 3)) }
        writer.submit(
            second,
            committed: { batch in committed.withLock { $0.append(batch.clients.count) } },
            idle: { idle.continuation.yield() }
        )
        await iterator.next()
        #expect(committed.withLock { $0 } == [2])
        #expect(!writer.hasFailedBatch)
        #expect(try store.loadState(now: 0).clients.count == 2)
        #expect(try store.pendingEntriesSync().map(\.id) == ["n1"])
        #expect(try store.connectionLog(of: a.clientID) == Array((aLog + more).suffix(3)))
    }

    private static func logChange(_ clientID: String, _ entry: ConnectionLogEntry, capacity: Int) -> EngineChanges {
        var changes = EngineChanges()
        changes.log = [ClientLogEntry(clientID: clientID, entry: entry)]
        changes.logCapacity = capacity
        return changes
    }

    /// A client's saved log grows by what each commit appends and keeps the newest
    /// `log_capacity` entries, however many commits and entries there are; a batch never holds
    /// more than that many of one client (a store that cannot write for a long time).
    @Test func aSavedLogKeepsTheNewestEntriesOverManyCommits() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try StateStore(directory: directory.path)
        let (state, _) = clientAndLog("a", status: .connected)
        var all: [ConnectionLogEntry] = []
        for commit in 0..<7 {
            var batch = StateBatch()
            batch.clients[state.clientID] = state
            for number in 0..<(commit % 3 + 1) {
                let entry = ConnectionLogEntry(
                    action: number % 2 == 0 ? .connect : .disconnect,
                    time: Int64(commit * 10 + number),
                    reasonText: "commit \(commit) ✓\u{0}",
                    applied: number != 1
                )
                all.append(entry)
                batch.add(Self.logChange(state.clientID, entry, capacity: 4))
            }
            try store.write(batch)
            #expect(try store.connectionLog(of: state.clientID) == Array(all.suffix(4)), "commit \(commit)")
        }
        var held = StateBatch()
        for number in 0..<1_000 {
            held.add(Self.logChange("x", ConnectionLogEntry(action: .connect, time: Int64(number)), capacity: 4))
        }
        var newer = StateBatch()
        newer.add(Self.logChange("x", ConnectionLogEntry(action: .connect, time: 5_000), capacity: 4))
        held.merge(under: newer)
        #expect(held.log["x"]?.map(\.time) == [997, 998, 999, 5_000])
        // A forgotten client's entries not yet written go with it.
        var forgetting = EngineChanges()
        forgetting.forgotten = [ForgottenClient(clientID: "x", reason: "test")]
        held.add(forgetting)
        #expect(held.log["x"] == nil)
    }
}

extension EngineChanges {
    static func with(
        clients: [ClientState],
        log: [String: [ConnectionLogEntry]] = [:],
        capacity: Int = 20
    ) -> EngineChanges {
        var changes = EngineChanges()
        changes.clients = clients
        changes.logCapacity = capacity
        for client in clients {
            for entry in log[client.clientID] ?? [] {
                changes.log.append(ClientLogEntry(clientID: client.clientID, entry: entry))
            }
        }
        return changes
    }
}

extension StateStore {
    fileprivate func pendingEntriesSync() throws -> [OutboxEntry] {
        try pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM outbox ORDER BY seq").map(OutboxEntry.init(row:))
        }
    }
}
