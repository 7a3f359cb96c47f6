import Testing

@testable import ConnWatchCore

/// The compact connection log and the shared long texts keep exactly what was put in.
struct CompactStateTests {
    private func entry(
        _ number: Int,
        code: Int? = nil,
        text: String? = nil,
        address: String? = nil
    ) -> ConnectionLogEntry {
        ConnectionLogEntry(
            action: number.isMultiple(of: 2) ? .connect : .disconnect,
            time: 1_790_000_000_000 + Int64(number),
            reasonCode: code,
            reasonText: text,
            cause: code == nil ? nil : .keepAliveTimeout,
            initiator: code == nil ? nil : .network,
            clientAddress: address,
            applied: !number.isMultiple(of: 3)
        )
    }

    @Test func logKeepsEveryFieldOfEveryEntry() {
        var log = ConnectionLog(capacity: 5)
        let written = [
            entry(0), entry(1, code: 160, text: "The connection timed out, as the keep-alive expired"),
            entry(2, address: "203.0.113.17"), entry(3, code: -7, text: "x", address: "2001:db8::1234:5678:9abc"),
        ]
        for item in written { log.append(item) }
        #expect(log.entries == written)
        #expect(log.count == 4)
        #expect(log.capacity == 5)
    }

    @Test func optionalNumbersOfAClientKeepNoneApartFromEveryValue() {
        var client = ClientState(
            event: StatusEvent(action: .connect, clientID: "c", time: 0),
            broker: "b"
        )
        #expect(client.lastConnectTime == nil && client.lastDisconnectTime == nil && client.lastActivityTime == nil)
        #expect(client.reasonCode == nil && client.lastSequence == nil)
        for value: Int64 in [0, -1, 1_790_000_000_000, .max, .min + 1] {
            client.lastConnectTime = value
            client.lastDisconnectTime = value
            client.lastActivityTime = value
            client.reasonCode = Int(value)
            client.lastSequence = value
            #expect(client.lastConnectTime == value && client.lastDisconnectTime == value)
            #expect(client.lastActivityTime == value && client.reasonCode == Int(value) && client.lastSequence == value)
        }
        client.lastConnectTime = nil
        client.reasonCode = nil
        client.lastSequence = nil
        #expect(client.lastConnectTime == nil && client.reasonCode == nil && client.lastSequence == nil)
        #expect(client.lastDisconnectTime == .min + 1 && client.lastActivityTime == .min + 1)
    }

    @Test func logDropsTheOldestOnceFullAndStaysInOrder() {
        var log = ConnectionLog(capacity: 3)
        let written = (0..<8).map { entry($0, code: $0 == 1 ? nil : $0) }
        for item in written { log.append(item) }
        #expect(log.entries == Array(written.suffix(3)))
        #expect(log.count == 3)
    }

    @Test func logKeepsReasonCodesBeyond32Bits() {
        var log = ConnectionLog(capacity: 2)
        let wide = Int(Int32.max) + 12
        log.append(entry(1, code: wide))
        log.append(entry(2, code: Int(Int32.min)))
        #expect(log.entries.map(\.reasonCode) == [wide, Int(Int32.min)])
        // Overwriting the wide entry's slot forgets its code; a new wide one is kept again.
        log.append(entry(3, code: 5))
        log.append(entry(4, code: -wide))
        #expect(log.entries.map(\.reasonCode) == [5, -wide])
        log.append(entry(5))
        #expect(log.entries.map(\.reasonCode) == [-wide, nil])
    }

    @Test func logWithoutCapacityKeepsNothing() {
        var log = ConnectionLog(capacity: 0)
        log.append(entry(1))
        #expect(log.entries.isEmpty)
        #expect(log.capacity == 0)
    }

    @Test func textCacheSharesLongTextsAndPassesShortOnes() {
        var cache = TextCache(limit: 2)
        #expect(cache.shared(nil, current: nil) == nil)
        #expect(cache.shared("short", current: nil) == "short")
        #expect(cache.count == 0)
        let long = "The connection timed out"
        #expect(cache.shared(long, current: nil) == long)
        #expect(cache.shared(String(long.reversed().reversed()), current: nil) == long)
        #expect(cache.shared(long, current: long) == long)
        #expect(cache.count == 1)
        // Bytes read elsewhere (a store row) find the same text; unknown bytes become a new one.
        #expect(Array(long.utf8).withUnsafeBytes { cache.text(utf8: $0) } == long)
        #expect(
            Array("The connection timed out!".utf8).withUnsafeBytes { cache.text(utf8: $0) }
                == "The connection timed out!"
        )
        #expect(Array("short".utf8).withUnsafeBytes { cache.text(utf8: $0) } == "short")
        #expect(cache.count == 2)
        var again = TextCache(limit: 2)
        #expect(again.shared(long, current: nil) == long)
        #expect(again.shared("another text of some length", current: nil) == "another text of some length")
        // Full: further texts pass through unchanged.
        #expect(again.shared("a third text of some length", current: nil) == "a third text of some length")
        #expect(again.count == 2)
    }

    @Test func engineLogsTheEventsTextsAndCodes() {
        let engine = Engine(configuration: EngineConfiguration(logCapacity: 4), startTime: 0)
        var changes: [AlertChange] = []
        let reason = "The connection timed out after 90 seconds"
        for number in 0..<6 {
            let event = StatusEvent(
                action: number.isMultiple(of: 2) ? .connect : .disconnect,
                clientID: "d:org:type:dev",
                time: Int64(number * 1000),
                reasonCode: number.isMultiple(of: 2) ? nil : 160,
                reasonText: number.isMultiple(of: 2) ? nil : reason,
                cause: number.isMultiple(of: 2) ? nil : .keepAliveTimeout,
                initiator: number.isMultiple(of: 2) ? nil : .network,
                clientAddress: "2001:db8:0:0:0:0:0:\(number % 2)"
            )
            engine.handle(event, broker: "main", now: Int64(number * 1000), into: &changes)
        }
        let client = engine.client("d:org:type:dev")
        #expect(client?.reasonText == reason)
        #expect(client?.clientAddress == "2001:db8:0:0:0:0:0:0")
        let entries = engine.unsavedLog(of: "d:org:type:dev")
        #expect(entries.map(\.time) == [2000, 3000, 4000, 5000])
        #expect(entries.map(\.reasonCode) == [nil, 160, nil, 160])
        #expect(entries.map(\.reasonText) == [nil, reason, nil, reason])
        #expect(entries.map(\.clientAddress) == (2..<6).map { "2001:db8:0:0:0:0:0:\($0 % 2)" })
        #expect(entries.allSatisfy { $0.applied })
    }

    @Test func clientsOfOneTypeShareTheirLabelsAndSettersChangeOnlyTheirOwn() {
        let engine = Engine(configuration: EngineConfiguration(), startTime: 0)
        var changes: [AlertChange] = []
        for device in ["a", "b"] {
            let event = StatusEvent(
                action: .connect,
                clientID: "d:org1:sensor:\(device)",
                clientType: .device,
                orgID: "org1",
                typeID: "sensor",
                deviceID: device,
                time: 1000
            )
            engine.handle(event, broker: "main", now: 1000, into: &changes)
        }
        guard var first = engine.client("d:org1:sensor:a"), let second = engine.client("d:org1:sensor:b") else {
            Issue.record("clients missing")
            return
        }
        #expect(first.sharedLabels === second.sharedLabels)
        #expect((first.orgID, first.typeID, first.appID, first.broker) == ("org1", "sensor", "", "main"))
        first.typeID = "meter"
        first.broker = "backup"
        #expect((first.orgID, first.typeID, first.appID, first.broker) == ("org1", "meter", "", "backup"))
        #expect((second.orgID, second.typeID, second.broker) == ("org1", "sensor", "main"))
        #expect(engine.client("d:org1:sensor:a")?.typeID == "sensor")
    }

    @Test func sharedLabelsCacheIsBounded() {
        var cache = SharedLabelsCache(limit: 1)
        let one = SharedClientLabels(orgID: "o", typeID: "t", appID: "", broker: "b")
        #expect(cache.shared(one) === one)
        #expect(cache.shared(SharedClientLabels(orgID: "o", typeID: "t", appID: "", broker: "b")) === one)
        let other = SharedClientLabels(orgID: "o", typeID: "u", appID: "", broker: "b")
        #expect(cache.shared(other) === other)
        #expect(cache.count == 1)
    }

    @Test func countsFollowTheirRuleWhenAReloadMovesItAndNewClientsAreCounted() {
        func kick(_ device: String, at time: Int64) -> StatusEvent {
            StatusEvent(
                action: .disconnect,
                clientID: "d:org1:sensor:\(device)",
                clientType: .device,
                orgID: "org1",
                typeID: "sensor",
                deviceID: device,
                time: time,
                cause: .adminKick,
                initiator: .server
            )
        }
        let kicks = CountingRule(name: "kicks", kind: .disconnects, count: 3, window: 600_000)
        let pumps = CountingRule(
            name: "pump_kicks",
            kind: .disconnects,
            match: ClientMatcher([(.typeID, [Glob("pump")])]),
            count: 1,
            window: 600_000
        )
        let engine = Engine(configuration: EngineConfiguration(countingRules: [kicks]), startTime: 0)
        var changes: [AlertChange] = []
        engine.handle(kick("a", at: 1000), broker: "main", now: 1000, into: &changes)
        engine.handle(kick("a", at: 2000), broker: "main", now: 2000, into: &changes)
        // The rule moves to the second place; a rule that matches no sensor comes first.
        engine.reconfigure(EngineConfiguration(countingRules: [pumps, kicks]), now: 3000, into: &changes)
        engine.handle(kick("b", at: 3500), broker: "main", now: 3500, into: &changes)
        #expect(changes.isEmpty)
        engine.handle(kick("a", at: 4000), broker: "main", now: 4000, into: &changes)
        #expect(changes.map(\.alert.rule) == ["kicks"])
        #expect(changes.first?.alert.labels["device_id"] == "a")
        changes.removeAll()
        engine.handle(kick("b", at: 5000), broker: "main", now: 5000, into: &changes)
        engine.handle(kick("b", at: 6000), broker: "main", now: 6000, into: &changes)
        #expect(changes.map(\.alert.labels["device_id"]) == ["b"])
    }
}

/// A counting window's times, the first inline: every operation the engine uses must behave as
/// on an array.
struct EventTimesTests {
    @Test func behavesAsAnArrayOfTheSameTimes() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            var times = EventTimes()
            var reference: [Int64] = []
            for _ in 0..<Int.random(in: 0..<12, using: &generator) {
                let time = Int64.random(in: -5..<100, using: &generator)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0:
                    times.append(time)
                    reference.append(time)
                case 1:
                    let position = Int.random(in: 0...reference.count, using: &generator)
                    times.insert(time, at: position)
                    reference.insert(time, at: position)
                case 2:
                    let count = Int.random(in: 0...reference.count, using: &generator)
                    times.removeFirst(count)
                    reference.removeFirst(count)
                default:
                    let position = reference.lastIndex { $0 <= time }.map { $0 + 1 } ?? 0
                    times.insert(time, at: position)
                    reference.insert(time, at: position)
                }
                #expect(Array(times) == reference)
                #expect(
                    times.count == reference.count && times.first == reference.first && times.last == reference.last
                )
            }
            #expect(EventTimes(reference) == times)
        }
    }

    @Test func anEmptyWindowAndAWindowOfTheSmallestTimeDiffer() {
        var times = EventTimes()
        #expect(times.isEmpty)
        times.append(.min)
        #expect(times.count == 1)
        times.removeFirst(1)
        #expect(times.isEmpty)
    }
}
