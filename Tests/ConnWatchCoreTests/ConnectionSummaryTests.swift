import ConnWatchTestSupport
import Testing

@testable import ConnWatchCore

/// What the engine keeps of a connection log (``ConnectionSummary``) answers as the whole log
/// would: the same repeat test, the same start of the latest run, the same first time; made from
/// entries or from the store's bytes alike.
@Suite struct ConnectionSummaryTests {
    private static let texts: [String?] = [nil, "", "The connection timed out", "kicked ✓", "kicked ✓ "]
    private static let codes: [Int?] = [nil, 0, 160, -7, Int(Int32.max), Int(Int32.max) + 1, Int.min]

    private func randomEntry(_ random: inout SeededGenerator, time: Int64) -> ConnectionLogEntry {
        ConnectionLogEntry(
            action: StatusAction.allCases[Int(random.next() % 3)],
            time: time,
            reasonCode: Self.codes[Int(random.next() % UInt64(Self.codes.count))],
            reasonText: Self.texts[Int(random.next() % UInt64(Self.texts.count))],
            cause: random.next() % 2 == 0 ? nil : DisconnectCause.allCases[Int(random.next() % 4)],
            initiator: random.next() % 2 == 0 ? nil : .network,
            clientAddress: random.next() % 2 == 0 ? nil : "10.0.0.1",
            applied: random.next() % 4 != 0
        )
    }

    /// The reference: the log's own answers, over every entry (a log as long as the stream).
    private func reference(_ entries: [ConnectionLogEntry], repeats event: StatusEvent) -> Bool {
        guard let newest = entries.last, newest.applied else { return false }
        return newest.action == event.action && newest.time == event.time && newest.reasonCode == event.reasonCode
            && newest.cause == event.cause && newest.reasonText == event.reasonText
    }

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func answersAsTheWholeLogDoes(seed: UInt64) {
        var random = SeededGenerator(state: seed)
        var entries: [ConnectionLogEntry] = []
        var log = ConnectionLog(capacity: 10_000)
        var summary = ConnectionSummary()
        var time: Int64 = 1_000
        for _ in 0..<2_000 {
            // Times repeat and go back now and then, as late and redelivered events do.
            time += Int64(random.next() % 5) - 1
            let entry = randomEntry(&random, time: time)
            entries.append(entry)
            log.append(entry)
            summary.record(entry)

            #expect(summary.latestRunBegan(.connect) == log.latestRunBegan(.connect))
            #expect(summary.latestRunBegan(.disconnect) == log.latestRunBegan(.disconnect))
            #expect(summary.latestRunBegan(.failedConnect) == nil)
            #expect(summary.firstTime == log.oldestTime)
            // The newest entry as an event, and that event changed in each field in turn.
            var event = StatusEvent(
                action: entry.action,
                clientID: "c",
                time: entry.time,
                reasonCode: entry.reasonCode,
                reasonText: entry.reasonText,
                cause: entry.cause
            )
            let wide = entry.reasonCode.map { Int32(exactly: $0) == nil } ?? false
            #expect(summary.repeats(event) == (reference(entries, repeats: event) && !wide))
            var variants: [StatusEvent] = []
            event.time += 1
            variants.append(event)
            event.time -= 1
            event.reasonCode = (entry.reasonCode ?? 0) == 160 ? 161 : 160
            variants.append(event)
            event.reasonCode = entry.reasonCode
            event.reasonText = (entry.reasonText ?? "") + "!"
            variants.append(event)
            event.reasonText = entry.reasonText
            event.cause = entry.cause == nil ? .auth : nil
            variants.append(event)
            event.cause = entry.cause
            event.action = entry.action == .connect ? .disconnect : .connect
            variants.append(event)
            for variant in variants { #expect(!summary.repeats(variant)) }
        }
        // Made again from the store's bytes, it is the same summary.
        var bytes: [UInt8] = []
        ConnectionLogBlob.encode(log, into: &bytes)
        #expect(bytes.withUnsafeBytes { ConnectionLogBlob.summary(of: $0) } == summary)
        #expect(ConnectionSummary(entries) == summary)
    }

    /// The README says the engine keeps 40 bytes of a client's log, whatever its size.
    @Test func aSummaryTakesFortyBytes() {
        #expect(MemoryLayout<ConnectionSummary>.stride == 40)
    }

    @Test func anEmptyLogRepeatsNothingAndHasNoRun() {
        let summary = ConnectionSummary()
        #expect(!summary.repeats(StatusEvent(action: .connect, clientID: "c", time: 0)))
        #expect(summary.latestRunBegan(.connect) == nil && summary.latestRunBegan(.disconnect) == nil)
        #expect(summary.firstTime == nil)
        #expect([UInt8]().withUnsafeBytes { ConnectionLogBlob.summary(of: $0) } == summary)
    }

    /// The text hash is over UTF-8 bytes, so the store's bytes and the feed's string agree, for
    /// any text.
    @Test func theTextHashIsTheSameFromBytesAndFromText() {
        for text in ["", "a", "\u{0}", "é", "e\u{301}", "🙂", String(repeating: "ß", count: 300)] {
            let fromBytes = Array(text.utf8).withUnsafeBytes { ConnectionSummary.hash(utf8: $0) }
            #expect(fromBytes == ConnectionSummary.hash(text))
        }
        #expect(ConnectionSummary.hash("é") != ConnectionSummary.hash("e\u{301}"), "bytes, not characters")
        // Bytes that are not UTF-8 hash as the text the store's reader makes of them.
        for bytes: [UInt8] in [[0xFF], [0x61, 0xC3], [0xED, 0xA0, 0x80], [0xC3, 0xA9, 0x80, 0x62]] {
            let fromBytes = bytes.withUnsafeBytes { ConnectionSummary.hash(utf8: $0) }
            #expect(fromBytes == ConnectionSummary.hash(String(decoding: bytes, as: UTF8.self)), "\(bytes)")
        }
    }

    /// The appending the store does keeps the newest `capacity` entries.
    @Test func appendingToABlobKeepsTheNewest() {
        var random = SeededGenerator(state: 9)
        let first = (0..<5).map { randomEntry(&random, time: Int64($0)) }
        let second = (5..<9).map { randomEntry(&random, time: Int64($0)) }
        var log = ConnectionLog(capacity: 6)
        for entry in first { log.append(entry) }
        var bytes: [UInt8] = []
        ConnectionLogBlob.encode(log, into: &bytes)
        let merged = bytes.withUnsafeBytes { ConnectionLogBlob.appending(second, to: $0, capacity: 6) }
        var decoded: [ConnectionLogEntry] = []
        merged.withUnsafeBytes { blob in
            ConnectionLogBlob.forEachEntry(in: blob, text: { String(decoding: $0, as: UTF8.self) }) {
                decoded.append($0)
            }
        }
        #expect(decoded == Array((first + second).suffix(6)))
        // More new entries than the log keeps: the newest of them; none kept: an empty log.
        for capacity in [0, 2, 4, 9, 20] {
            let kept = bytes.withUnsafeBytes { ConnectionLogBlob.appending(second, to: $0, capacity: capacity) }
            var entries: [ConnectionLogEntry] = []
            kept.withUnsafeBytes { blob in
                ConnectionLogBlob.forEachEntry(in: blob, text: { String(decoding: $0, as: UTF8.self) }) {
                    entries.append($0)
                }
            }
            #expect(entries == Array((first + second).suffix(capacity)), "capacity \(capacity)")
        }
        let fromNothing = UnsafeRawBufferPointer(start: nil, count: 0)
        #expect(ConnectionLogBlob.appending(second, to: fromNothing, capacity: 2).count > 1)
    }
}
