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

    @Test func plainDuplicateKeysNameTheKeyAtItsFirstPlace() {
        let found = problems("defaults:\n  startup_grace: 1s\nreceivers: []\ndefaults:\n  startup_grace: 2s\n")
        #expect(found == ["rules.yaml:1:1: duplicate key 'defaults' in mapping"], "\(found)")
    }
}
