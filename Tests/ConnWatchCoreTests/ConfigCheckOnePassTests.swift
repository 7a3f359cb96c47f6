import Testing

@testable import ConnWatchCore

private func problems(
    _ text: String,
    credentialProblem: @escaping (String) -> String? = { _ in nil }
) -> [String] {
    do {
        _ = try ConfigLoader.load(text: text, file: "rules.yaml", credentialProblem: credentialProblem)
        return []
    } catch {
        return error.problems.map(\.description)
    }
}

/// `check` reports every problem of a file in one pass, in file order, each where it is.
@Suite struct ConfigCheckOnePassTests {
    private let broken = """
        mqtt:
          - name: main
            url: mqtt://127.0.0.1:1883
            subscriptions:
              - topic: iot-2/type/+/id/+/mon
        \tformat: watson-iot
        defaults:
          receivers: [ops, nope]
        receivers:
          - name: ops
            type: webhook
            url: http://127.0.0.1:9/hook
        rules:
          - name: r1
            kind: offline
        \tfor: bogus
          - name: r1
            kind: offline
            for: 1m
        """

    @Test func everyTabAndEveryOtherProblemIsReported() {
        #expect(
            problems(broken) == [
                "rules.yaml:6:1: a tab in the indentation: YAML indents with spaces only",
                "rules.yaml:8:20: receiver 'nope' is not defined under receivers; did you mean 'ops'?",
                "rules.yaml:16:1: a tab in the indentation: YAML indents with spaces only",
                // Column 7 of the line as written (`\tfor: bogus`), not of the line read with the tab replaced.
                "rules.yaml:16:7: for 'bogus' is not a duration (use e.g. 30s, 10m, 4h, 2d)",
                "rules.yaml:17:5: two rules are named 'r1'",
            ]
        )
    }

    @Test func tabsAreReplacedByTheIndentationTheLinesAroundThemSuggest() {
        let tabs = IndentationTabs("a:\n\tb: 1\n  c:\n\t- d\n  \t- e\nf: |\n  x\n")
        #expect(tabs.positions.map { "\($0.line):\($0.column)" } == ["2:1", "4:1", "5:3"])
        #expect(tabs.repaired == "a:\n  b: 1\n  c:\n  - d\n  - e\nf: |\n  x\n")
    }

    @Test func aDuplicateRuleNameIsReportedEvenWhenTheFirstRuleHasAnotherProblem() {
        let text = broken.replacingOccurrences(of: "\tformat", with: "        format")
            .replacingOccurrences(of: "\tfor", with: "    for")
            .replacingOccurrences(of: "[ops, nope]", with: "[ops]")
        #expect(
            problems(text) == [
                "rules.yaml:16:10: for 'bogus' is not a duration (use e.g. 30s, 10m, 4h, 2d)",
                "rules.yaml:17:5: two rules are named 'r1'",
            ]
        )
    }

    @Test func aMissingCredentialIsReportedAtItsName() {
        let text = broken.replacingOccurrences(of: "\tformat", with: "        format")
            .replacingOccurrences(of: "\tfor", with: "    for")
            .replacingOccurrences(of: "[ops, nope]", with: "[ops]")
            .replacingOccurrences(of: "    url: http://127.0.0.1:9/hook", with: "    url_credential: hook-url")
            .replacingOccurrences(of: "for: bogus", with: "for: 1m")
            .replacingOccurrences(of: "  - name: r1\n    kind: offline\n    for: 1m\n", with: "")
        let found = problems(text) { name in name == "hook-url" ? "is not in $CREDENTIALS_DIRECTORY" : nil }
        #expect(found == ["rules.yaml:12:21: url_credential 'hook-url' is not in $CREDENTIALS_DIRECTORY"])
        #expect(problems(text).isEmpty)
    }

    @Test func aProblemOfTheWholeFileHasNoPosition() {
        let problem = ConfigProblem(file: "/etc/connwatch/rules.yaml", line: 0, column: 0, message: "cannot read")
        #expect(problem.description == "/etc/connwatch/rules.yaml: cannot read")
    }
}

/// What the config fuzzer found: a problem found in the text read with its tabs replaced was
/// placed by that text's columns, past the end of the line as written.
@Suite struct IndentationTabPositionTests {
    @Test func aProblemAfterATabIsPlacedInTheLineAsWritten() throws {
        let text = "rules:\n\t-\n:+- name:es:\n\t- nam/e: $ rle"
        let found: [ConfigProblem]
        do {
            _ = try ConfigLoader.load(text: text, file: "rules.yaml")
            found = []
        } catch {
            found = error.problems
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(!found.isEmpty)
        for problem in found where problem.line > 0 {
            #expect(problem.column <= lines[problem.line - 1].count + 1, "\(problem)")
        }
    }
}
