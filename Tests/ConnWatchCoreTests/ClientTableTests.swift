import ConnWatchTestSupport
import Testing

@testable import ConnWatchCore

/// The engine's client table gives back every client as it was added, ids and device ids
/// included, through compactions, whatever the ids hold.
@Suite struct ClientTableTests {
    /// Client and device ids of every shape the table stores differently: a device id at the end
    /// of the client id (Watson IoT), empty, equal to the client id, elsewhere in it, not in it,
    /// longer than the client id, not ASCII, NUL bytes, and a client id too long for the 2-byte
    /// device start.
    static let shapes: [(client: String, device: String)] = [
        ("d:org1:sensor:dev-1", "dev-1"),
        ("plain-client", ""),
        ("same", "same"),
        ("d:org1:dev-2:sensor", "dev-2"),
        ("a:org1:app", "unrelated"),
        ("x", "longer than the client id"),
        ("g:ørg:🙂:gerät", "gerät"),
        ("with\u{0}nul\u{0}", "nul\u{0}"),
        ("", ""),
        ("", "device-of-an-empty-id"),
        (String(repeating: "z", count: 70_000) + ":tail", "tail"),
        (String(repeating: "y", count: 70_000), String(repeating: "y", count: 69_999)),
    ]

    private func client(_ shape: (client: String, device: String), status: ConnectionStatus) -> ClientState {
        var state = ClientState(
            event: StatusEvent(action: .connect, clientID: shape.client, deviceID: shape.device, time: 0),
            broker: "b"
        )
        state.status = status
        return state
    }

    @Test func givesBackEveryClientAsAdded() {
        var table = ClientTable()
        for (number, shape) in Self.shapes.enumerated() {
            table.append(client(shape, status: number % 2 == 0 ? .connected : .disconnected))
        }
        #expect(table.count == Self.shapes.count)
        for (position, shape) in Self.shapes.enumerated() {
            #expect(table.id(at: position) == shape.client)
            #expect(table.deviceID(at: position) == shape.device)
            #expect(table[position].clientID == shape.client && table[position].deviceID == shape.device)
            #expect(table[position].status == (position % 2 == 0 ? .connected : .disconnected))
            var id = shape.client
            #expect(id.withUTF8 { table.hasID($0, at: position) })
        }
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func keepsWhatACompactionKeeps(seed: UInt64) {
        var random = SeededGenerator(state: seed)
        var table = ClientTable()
        var expected: [(client: String, device: String)] = []
        for round in 0..<20 {
            for _ in 0..<Int(random.next() % 30) {
                let shape = Self.shapes[Int(random.next() % UInt64(Self.shapes.count))]
                let numbered = (shape.client + "-\(round)", shape.device)
                table.append(client(numbered, status: .unknown))
                expected.append(numbered)
            }
            var moved = Array(repeating: Int32(-1), count: table.count)
            var kept: [(client: String, device: String)] = []
            for position in expected.indices where random.next() % 3 != 0 {
                moved[position] = Int32(kept.count)
                kept.append(expected[position])
            }
            table.compact(moved, kept: kept.count)
            expected = kept
            #expect(table.count == expected.count)
            for (position, shape) in expected.enumerated() {
                #expect(table.id(at: position) == shape.client, "round \(round)")
                #expect(table.deviceID(at: position) == shape.device, "round \(round)")
            }
        }
    }

    @Test func aClientsFieldsTakeNoMoreThanTheirValues() {
        // The row the engine keeps per client besides the id arena (8 bytes of offset, 2 of
        // device start and the id's bytes): no string of its ids, reason or protocol.
        #expect(MemoryLayout<ClientFields>.stride == 120)
    }

    @Test func keepsEachClientsTextsAndDropsThoseNoClientNames() {
        var table = ClientTable()
        for number in 0..<40 {
            var state = client(("c\(number)", ""), status: .disconnected)
            state.reasonText = number % 3 == 0 ? nil : "reason \(number % 4)"
            state.protocolName = number % 5 == 0 ? nil : "mqtt\(number % 2 + 4)"
            table.append(state)
        }
        for number in 0..<40 {
            #expect(table[number].reasonText == (number % 3 == 0 ? nil : "reason \(number % 4)"))
            #expect(table[number].protocolName == (number % 5 == 0 ? nil : "mqtt\(number % 2 + 4)"))
            #expect(table[number].fields.reasonTextID == 0, "a ClientState holds the text itself")
        }
        #expect(table.texts.count == 4 + 2)
        // Keep only the clients naming "reason 1": the other reasons are dropped with them.
        let moved = (0..<40).map { number -> Int32 in number % 3 != 0 && number % 4 == 1 ? 0 : -1 }
        var next: Int32 = 0
        let renumbered = moved.map { old -> Int32 in
            guard old >= 0 else { return -1 }
            defer { next += 1 }
            return next
        }
        table.compact(renumbered, kept: Int(next))
        #expect((0..<table.count).allSatisfy { table[$0].reasonText == "reason 1" })
        let protocols = Set((0..<table.count).compactMap { table[$0].protocolName })
        #expect(table.texts.count == 1 + protocols.count)
    }
}

/// The table of shared texts holds each text once, counts who names it, and drops it when no one does.
@Suite struct TextTableTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func holdsWhatIsNamedAndNothingElse(seed: UInt64) {
        var random = SeededGenerator(state: seed)
        var table = TextTable()
        // Named texts by holder, as a reference.
        var holders = Array(repeating: UInt32(0), count: 50)
        var named = Array(repeating: String?.none, count: 50)
        for step in 0..<20_000 {
            let holder = Int(random.next() % 50)
            let text: String? = random.next() % 7 == 0 ? nil : "text \(random.next() % 30) ü"
            holders[holder] = table.replace(holders[holder], with: text)
            named[holder] = text
            if step % 97 == 0 {
                for index in holders.indices { #expect(table[holders[index]] == named[index], "step \(step)") }
                #expect(table.count == Set(named.compactMap { $0 }).count, "step \(step): only named texts are held")
            }
        }
        for index in holders.indices { table.release(holders[index]) }
        #expect(table.count == 0)
    }
}

/// Texts are kept by their bytes: two canonically equivalent texts (`é` composed and decomposed),
/// which `String`'s `==` takes for one, stay two, so every client gets back what its feed sent.
@Suite struct TextBytesTests {
    static let composed = "caf\u{E9} closed the connection"
    static let decomposed = "cafe\u{301} closed the connection"

    @Test(arguments: [1, 2] as [UInt64])
    func byteComparisonsAgreeWithTheBytes(seed: UInt64) {
        var random = SeededGenerator(state: seed)
        let alphabet = ["a", "b", "é", "e\u{301}", "🙂", "\u{0}"]
        func text() -> String { (0..<Int(random.next() % 24)).map { _ in alphabet[Int(random.next() % 6)] }.joined() }
        for _ in 0..<5_000 {
            let lhs = text()
            let rhs = random.next() % 3 == 0 ? lhs : text()
            #expect(UTF8Bytes.same(lhs, rhs) == Array(lhs.utf8).elementsEqual(Array(rhs.utf8)), "\(lhs) / \(rhs)")
            let suffix =
                random.next() % 2 == 0
                ? String(decoding: Array(lhs.utf8).suffix(Int(random.next() % 9)), as: UTF8.self) : rhs
            #expect(
                UTF8Bytes.hasSuffix(lhs, suffix)
                    == Array(lhs.utf8).reversed().starts(with: Array(suffix.utf8).reversed())
            )
        }
    }

    @Test func canonicallyEquivalentTextsStayApart() {
        #expect(Self.composed == Self.decomposed, "Swift takes them for one")
        var table = TextTable()
        let first = table.hold(Self.composed)
        let second = table.hold(Self.decomposed)
        #expect(first != second && table.count == 2)
        #expect(table.replace(first, with: Self.decomposed) != first)
    }

    @Test func eachClientKeepsItsFeedsBytes() throws {
        let engine = Engine(configuration: EngineConfiguration(), startTime: 0)
        engine.keepsLogForStore = false
        var changes: [AlertChange] = []
        for (id, text) in [("a", Self.composed), ("b", Self.decomposed)] {
            engine.handle(
                StatusEvent(action: .connect, clientID: id, time: 1, protocolName: text, clientAddress: text),
                broker: "x",
                now: 1,
                into: &changes
            )
            engine.handle(
                StatusEvent(action: .disconnect, clientID: id, time: 2, reasonText: text, clientAddress: text),
                broker: "x",
                now: 2,
                into: &changes
            )
        }
        // The same client's address changing to the equivalent text keeps the new bytes too.
        engine.handle(
            StatusEvent(action: .connect, clientID: "a", time: 3, clientAddress: Self.decomposed),
            broker: "x",
            now: 3,
            into: &changes
        )
        let a = try #require(engine.client("a"))
        let b = try #require(engine.client("b"))
        #expect(Array(try #require(a.reasonText).utf8) == Array(Self.composed.utf8))
        #expect(Array(try #require(b.reasonText).utf8) == Array(Self.decomposed.utf8))
        #expect(Array(try #require(a.protocolName).utf8) == Array(Self.composed.utf8))
        #expect(Array(try #require(b.protocolName).utf8) == Array(Self.decomposed.utf8))
        #expect(Array(try #require(a.clientAddress).utf8) == Array(Self.decomposed.utf8))
        #expect(Array(try #require(b.clientAddress).utf8) == Array(Self.decomposed.utf8))
    }
}
