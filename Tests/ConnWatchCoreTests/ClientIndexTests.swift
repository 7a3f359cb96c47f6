import ConnWatchTestSupport
import Testing

@testable import ConnWatchCore

/// The engine's open-addressing id index answers as a dictionary would through any sequence of
/// inserts, removals (with their backward shifts) and compactions, colliding ids included.
@Suite struct ClientIndexTests {
    private func client(_ id: String) -> ClientState {
        ClientState(event: StatusEvent(action: .connect, clientID: id, time: 0), broker: "b")
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func answersAsADictionary(seed: UInt64) {
        var random = SeededGenerator(state: seed)
        var clients = ClientTable()
        var index = ClientIndex()
        var reference: [String: Int32] = [:]
        // Few distinct ids, so the same ones come and go; some share long prefixes, some are empty
        // or not ASCII, so the 8-byte steps and the tail both matter.
        let ids = (0..<600).map { number -> String in
            switch number % 4 {
            case 0: return "d:org1:sensor:dev-\(number)"
            case 1: return String(repeating: "x", count: number % 23)
            case 2: return "g:ørg:🙂:\(number)"
            default: return "a\(number)"
            }
        }
        for step in 0..<6_000 {
            let id = ids[Int(random.next() % UInt64(ids.count))]
            switch random.next() % 10 {
            case 0..<6:
                if reference[id] == nil {
                    clients.append(client(id))
                    let position = Int32(clients.count - 1)
                    index.insert(id, at: position)
                    reference[id] = position
                }
            case 6..<9:
                index.remove(id, in: clients)
                reference[id] = nil
            default:
                // A compaction: positions not indexed are dropped, the rest renumbered in order.
                var moved = Array(repeating: Int32(-1), count: clients.count)
                var kept: Int32 = 0
                for position in clients.indices where reference[clients.id(at: position)] == Int32(position) {
                    moved[position] = kept
                    kept += 1
                }
                clients.compact(moved, kept: Int(kept))
                index.remap(moved)
                reference = reference.mapValues { moved[Int($0)] }
            }
            #expect(index.count == reference.count, "step \(step)")
            for probe in ids.prefix(40) + [id] {
                #expect(index.position(of: probe, in: clients) == reference[probe], "step \(step): \(probe)")
            }
        }
        for (id, position) in reference { #expect(index.position(of: id, in: clients) == position) }
    }

    @Test func theHashIsTheSameInEveryRun() {
        // Fixed values: a snapshot may keep the index's slots, so the hash must never change.
        #expect(ClientIndex.hash("") != ClientIndex.hash("\u{0}"), "a NUL byte counts")
        #expect(ClientIndex.hash("d:org1:sensor:s1") != ClientIndex.hash("d:org1:sensor:s2"))
        #expect(ClientIndex.hash("abcdefgh") != ClientIndex.hash("abcdefgh\u{0}"))
        #expect(ClientIndex.hash("d:org1:sensor:s1") == 16_062_217_976_198_833_777)
    }

    @Test func anEmptyIndexFindsNothingAndRemovesNothing() {
        var index = ClientIndex()
        #expect(index.position(of: "a", in: ClientTable()) == nil)
        index.remove("a", in: ClientTable())
        index.reserveCapacity(1_000)
        #expect(index.isEmpty && index.position(of: "a", in: ClientTable()) == nil)
    }
}
