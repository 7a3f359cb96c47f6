import ConnWatchCore
import Foundation
import Testing

/// The engine tells people exactly what the engine before the client table (24fe55a: a
/// `[ClientState]` of strings, counting windows with their own keys) told them, for seeded streams
/// with every rule kind, reloads, forgets, feed outages and clock jumps.
///
/// The digests were recorded by running `EngineReplay` against that build of the engine. A change
/// that means to alter what people are told updates them, and says so; any other change must leave
/// them alone. `CONNWATCH_REPLAY_DIR=DIR` writes each replay's lines to DIR, for a diff.
@Suite struct EngineReplayTests {
    static let recorded: [(seed: UInt64, steps: Int, lines: Int, digest: UInt64)] = [
        (1, 6_000, 1_230, 3_158_123_639_649_687_507),
        (2, 6_000, 1_772, 3_511_723_399_159_512_636),
        (3, 6_000, 1_527, 13_638_749_043_622_836_564),
        (4, 6_000, 1_681, 3_018_803_832_474_891_202),
    ]

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func tellsWhatTheEarlierEngineTold(seed: UInt64) throws {
        let recorded = try #require(Self.recorded.first { $0.seed == seed })
        let lines = EngineReplay.run(seed: seed, steps: recorded.steps)
        if let directory = ProcessInfo.processInfo.environment["CONNWATCH_REPLAY_DIR"] {
            try (lines.joined(separator: "\n") + "\n").write(
                toFile: "\(directory)/replay-\(seed).txt",
                atomically: true,
                encoding: .utf8
            )
        }
        let digest = EngineReplay.digest(lines)
        print("replay seed \(seed): \(lines.count) lines, digest \(digest)")
        // The stream reaches every kind of alert, so the comparison covers them all.
        let kinds = [
            "offline", "no_connect", "silent", "kicked", "refused", "flapping", "type_drops", "fleet_down", "feed_down",
        ]
        for rule in kinds {
            #expect(lines.contains { $0.contains(" \(rule) firing ") }, "seed \(seed): no \(rule) alert fired")
        }
        #expect(lines.count == recorded.lines)
        #expect(digest == recorded.digest)
    }
}
