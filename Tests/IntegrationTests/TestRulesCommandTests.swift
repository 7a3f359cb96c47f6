import ConnWatchTestSupport
import Foundation
import Testing

/// `connwatch test-rules` as users run it: the shipped examples, a failing test, an invalid file.
@Suite(.timeLimit(.minutes(2))) struct TestRulesCommandTests {
    static let examples = "\(ConnWatchBinary.packageRoot)/examples/tests"

    @Test func shippedExamplesPass() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.examples)
            .filter { $0.hasSuffix(".yaml") }.sorted().map { "\(Self.examples)/\($0)" }
        // As in the README: `examples/tests/*.yaml`, which includes the tests' rules.yaml.
        #expect(files.contains("\(Self.examples)/rules.yaml") && files.count >= 3)
        let result = try runConnWatch(["test-rules"] + files)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        for name in [
            "device offline fires exactly at `for`, not before", "device offline resolves on reconnect",
            "session takeover (Watson CloseCode 288) never makes a client offline",
            "startup grace holds back what was already offline at start",
            "three server disconnects within 15m fire; the alert resolves when the window slides",
            "failed connects are counted per source address, whatever the client id",
        ] {
            #expect(lines.contains("PASS \(name)"), "\(result.stdout)")
        }
        #expect(!lines.contains { $0.hasPrefix("FAIL") })
        #expect(lines.last?.hasSuffix(" passed, 0 failed") == true)
    }

    @Test func examplesRuleFileIsAValidConfiguration() throws {
        let result = try runConnWatch(["check", "--config", "\(Self.examples)/rules.yaml"])
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func failingTestExitsOneWithADiff() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try dir.write(
            "wrong.yaml",
            """
            rule_files: [\(Self.examples)/rules.yaml]
            tests:
              - name: passes
                startup_grace: 0s
                events: [{at: 0s, client_id: "d:o:t:a", action: disconnect}]
                expect: [{at: 10m, alerts: [{labels: {alertname: device_offline}}]}]
              - name: expects the alert a second too early
                startup_grace: 0s
                events: [{at: 0s, client_id: "d:o:t:a", action: disconnect}]
                expect: [{at: 9m59s, alerts: [{labels: {alertname: device_offline, client_id: "d:o:t:a"}}]}]
            """
        )
        let result = try runConnWatch(["test-rules", file])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("PASS passes\n"))
        #expect(result.stdout.contains("FAIL expects the alert a second too early\n"))
        #expect(result.stdout.contains("  at 9m59s: firing alerts differ"))
        #expect(result.stdout.contains("      - {alertname=\"device_offline\", client_id=\"d:o:t:a\"}\n"))
        #expect(result.stdout.hasSuffix("1 passed, 1 failed\n"))
    }

    @Test func invalidFileExitsSeventyEightWithPositions() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let bad = try dir.write(
            "bad.yaml",
            """
            rule_files: [\(Self.examples)/rules.yaml]
            tests:
              - name: typo
                events: [{at: 0s, client_id: x, action: conect}]
                expect: []
            """
        )
        let missing = try dir.write("missing.yaml", "rule_files: [nowhere.yaml]\ntests: [{name: x, expect: []}]\n")
        let result = try runConnWatch(["test-rules", bad, missing])
        #expect(result.status == 78, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("\(bad):4:45: action 'conect' is not one of"), "\(result.stderr)")
        #expect(result.stderr.contains("\(missing):1:14: rule file '\(dir.path)/nowhere.yaml': cannot read"))
        #expect(result.stdout.hasSuffix("0 passed, 0 failed, 2 invalid files\n"))
    }

    /// `check` on a file with duplicated plain and complex keys prints the same text in every
    /// process (each has its own hash seed), as the config fuzzer's regression seed demands.
    @Test func checkPrintsTheSameProblemsInEveryProcess() throws {
        let file = "\(ConnWatchBinary.packageRoot)/Tests/Fuzz/Corpus/config/duplicate-complex-keys.yaml"
        let runs = try (0..<6).map { _ in try runConnWatch(["check", "--config", file]) }
        #expect(runs.allSatisfy { $0.status == 78 })
        #expect(Set(runs.map(\.stderr)).count == 1, "\(Set(runs.map(\.stderr)))")
        #expect(!(runs.first?.stderr.contains("uncovertable") ?? true))
    }

    @Test func noFilesIsAUsageError() throws {
        let result = try runConnWatch(["test-rules"])
        #expect(result.status == 64, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("Missing expected argument"))
    }
}
