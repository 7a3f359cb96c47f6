import ConnWatchFuzzing
import Foundation
import Testing

/// `Tests/Fuzz/Corpus`: one folder per fuzz target with its seeds and every crasher `make fuzz` found.
private let corpusRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fuzz/Corpus", isDirectory: true)

/// The files of a target's corpus folder, sorted by name.
private func corpusFiles(_ target: String) throws -> [URL] {
    let folder = corpusRoot.appendingPathComponent(target, isDirectory: true)
    return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
        .filter { !$0.lastPathComponent.hasPrefix(".") }
        .sorted { $0.lastPathComponent < $1.lastPathComponent }
}

/// Replays the checked-in fuzz corpora through the same functions the libFuzzer targets call, so a crasher
/// once found stays fixed without the fuzzer. Each target checks its properties (deterministic results,
/// non-empty client ids, problems located inside the text, …) and reports broken ones.
@Suite struct FuzzCorpusTests {
    @Test(arguments: FuzzTarget.all.map(\.name))
    func corpusReplaysWithoutBrokenProperties(target name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        let files = try corpusFiles(name)
        #expect(!files.isEmpty, "no seeds for \(name)")
        for file in files {
            let bytes = [UInt8](try Data(contentsOf: file))
            let problems = target.run(bytes)
            #expect(problems.isEmpty, "\(name)/\(file.lastPathComponent): \(problems)")
        }
    }

    @Test func everyCorpusFolderBelongsToATarget() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: corpusRoot.path).filter { !$0.hasPrefix(".") }
        #expect(Set(folders) == Set(FuzzTarget.all.map(\.name)))
    }

    @Test func emptyAndTruncatedInputsHoldTheProperties() {
        // Every prefix of a few representative inputs, for every target: the cheapest way to hit each
        // "unexpected end" path even when the corpus misses one.
        let samples = [
            #"{"Action":"Disconnect","ClientID":"d:org1:sensor:p\u0031","Time":"2026-01-01T10:00:00.123+01:00","CloseCode":288,"Reason":"x"}"#,
            "iot-2/type/sensor/id/pump-1/mon\n{\"Action\":\"Connect\",\"ClientID\":\"a:org:app\"}",
            "mqtt:\n  url: mqtt://127.0.0.1:1883\nrules:\n  - name: r\n    kind: offline\n    for: 5m\n",
            "{{#a}}x{{/a}}{{^b}}{{{c}}}{{/b}}{{! note }}{{& d}}",
        ]
        for sample in samples {
            let bytes = Array(sample.utf8)
            for length in 0...bytes.count {
                for target in FuzzTarget.all {
                    let problems = target.run(Array(bytes.prefix(length)))
                    #expect(problems.isEmpty, "\(target.name), \(length) bytes of \(sample): \(problems)")
                }
            }
        }
    }
}
