import Foundation
import Testing

@testable import ConnWatchCore

/// `connwatch check` says the same thing every time about the same file.
@Suite struct ConfigDeterminismTests {
    private func problems(_ text: String) -> [String] {
        do throws(ConfigError) {
            _ = try ConfigLoader.load(text: text, file: "rules.yaml")
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    /// Duplicated plain and complex (`? `) keys, as the config fuzzer found them: the problem list is
    /// the same on every load, and names no key as a placeholder.
    @Test func duplicatedAndComplexKeysGiveTheSameProblemsEveryTime() throws {
        let texts = [
            "mqtt:\n  url: mqtt://a\n  url: mqtt://b\n  subscriptions: 1\n  subscriptions: 2\n"
                + "? [a, b]\n: 1\n? [a, b]\n: 2\n? {c: d}\n: 3\n? {c: d}\n: 4\nrules: []\nrules: []\n",
            "? [x]\n: 1\n? [x]\n: 2\n? [y]\n: 1\n? [y]\n: 2\nz: 1\nz: 2\n",
            "a: 1\nb: 2\na: 3\nc: {d: 1, d: 2}\n",
        ]
        for text in texts {
            let first = problems(text)
            #expect(!first.isEmpty)
            for _ in 0..<40 { #expect(problems(text) == first) }
            #expect(!first.joined().contains("uncovertable"), "\(first)")
        }
    }

    /// The fuzzer's file: each mapping that repeats keys is one problem, in file order, naming its
    /// keys in the order they appear and complex keys as they are written.
    @Test func duplicatedKeysAreNamedInFileOrderAsWritten() throws {
        let seed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/Corpus/config/duplicate-complex-keys.yaml")
        let found = problems(try String(contentsOf: seed, encoding: .utf8))
        #expect(
            found == [
                "rules.yaml:2:3: duplicate key 'url', 'subscriptions' in mapping",
                "rules.yaml:6:3: duplicate key '[a, b]', '{c: d}', 'rules' in mapping",
            ],
            "\(found)"
        )
    }

    /// Keys are the same when Yams says so: same text and resolved type (`a` and `"a"` are one key,
    /// `1` and `"1"` are not), aliases resolved; a block key is shown on one line, a long one cut.
    @Test func sameKeyMeansWhatItMeansToYAML() {
        #expect(
            problems("\"a\": 1\n1: x\n\"1\": y\na: 2\n")
                == ["rules.yaml:1:1: duplicate key 'a' in mapping"]
        )
        #expect(
            problems("? &k [x, y]\n: 1\n? *k\n: 2\n") == ["rules.yaml:1:3: duplicate key '&k [x, y]' in mapping"]
        )
        #expect(
            problems("? - a\n  - b\n: 1\n? [a, b]\n: 2\n") == ["rules.yaml:1:3: duplicate key '- a - b' in mapping"]
        )
        let long = "[" + (0..<40).map { "k\($0)" }.joined(separator: ", ") + "]"
        let found = problems("? \(long)\n: 1\n? \(long)\n: 2\n")
        #expect(found.count == 1 && found[0].hasSuffix("…' in mapping") && found[0].count < 120, "\(found)")
    }

    @Test func plainDuplicateKeysNameTheKeyAtItsFirstPlace() {
        let found = problems("defaults:\n  startup_grace: 1s\nreceivers: []\ndefaults:\n  startup_grace: 2s\n")
        #expect(found == ["rules.yaml:1:1: duplicate key 'defaults' in mapping"], "\(found)")
    }
}
